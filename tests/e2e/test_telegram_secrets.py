"""A revoked or rotated bot token, rejected by the Bot API, never shows: not on the terminal of `dondoc bot`,
`people invite`, `deliver`, `outbox list` or `run`, not in the logs, not in stored errors."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from engine.db import make_engine
from engine.models import Outbox, Role
from engine.redact import TOKEN_MASK
from tests.support.botapi import FakeBotAPI
from tests.support.cli import CLI
from tests.support.factory import Factory

ROOT = Path(__file__).resolve().parents[2]
LEADER_CHAT = 650_000_001


def _rotated(fake: FakeBotAPI) -> str:
    """A token of the right shape that the Bot API does not know (the bot's old one, say)."""
    return f"{fake.bot_user['id']}:AAE{secrets.token_urlsafe(24)[:32]}"


def _leaks(text: str, token: str) -> bool:
    return token in text or token.partition(":")[2] in text


@pytest.fixture
def rejected(botapi: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """DONDOC_* for a deployment whose token the Bot API rejects, with one due alert to a bound leader."""
    env = {"DONDOC_DATA_DIR": str(tmp_path / "data"), "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}",
           "DONDOC_TELEGRAM_TOKEN": _rotated(botapi), "DONDOC_TELEGRAM_API_URL": botapi.root,
           "DONDOC_ENVIRONMENT": "test", "DONDOC_SECRET": "khoa-ky-thu-nghiem-du-dai-0123456789"}
    for name in [n for n in os.environ if n.startswith("DONDOC_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    engine = make_engine(env["DONDOC_DATABASE_URL"])
    from engine.db import migrate

    migrate(engine)
    with Session(engine) as session:
        make = Factory(session)
        stc = make.agency("STC", "Sở Tài chính")
        leader = make.person("Nguyễn Văn Tài", Role.leader, stc, telegram_chat_id=LEADER_CHAT)
        make.assigned(stc, make.office(), task="Quyết toán vốn đầu tư năm 2023")
        assert leader.id is not None
    engine.dispose()
    return env


def test_rejected_token_never_shows_on_the_cli_in_logs_or_stored_errors(
        rejected: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token, cli = rejected["DONDOC_TELEGRAM_TOKEN"], CLI(capsys, monkeypatch)
    # Delivery at a working-day morning: at night quiet hours would hold the message back unsent.
    for args in (["bot"], ["people", "invite", "Nguyễn Văn Tài"], ["--now", "2026-12-02T09:00:00+07:00", "deliver"]):
        result = cli(*args)
        assert not _leaks(result.out + result.err, token), args
        if args[-1] != "deliver":
            assert result.code == 1 and "Telegram từ chối token" in result.err, (args, result)
    listing = cli("outbox", "list", "--format", "json")
    assert listing.code == 0 and not _leaks(listing.out, token)
    assert "Telegram từ chối token" in listing.out
    engine = make_engine(rejected["DONDOC_DATABASE_URL"])
    with Session(engine) as session:
        errors = [row.last_error or "" for row in session.exec(select(Outbox)).all()]
    engine.dispose()
    assert errors and all("Telegram từ chối token" in e and not _leaks(e, token) for e in errors if e)
    assert caplog.text and not _leaks(caplog.text, token)
    assert TOKEN_MASK in caplog.text  # httpx logged the request URLs, masked


@pytest.mark.slow
def test_dondoc_run_with_a_rejected_token_says_why_and_shows_no_token(rejected: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, "-m", "dondoc.cli", "run", "--fast-interval", "0.2"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Telegram từ chối token" in output and not _leaks(output, rejected["DONDOC_TELEGRAM_TOKEN"]), output
