"""`dondoc run --no-bot` with a token: says that Telegram still sends the alerts (only the bot is off)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.botapi import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_run_without_the_bot_but_with_a_token_says_telegram_is_used(botapi: FakeBotAPI, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DONDOC_"))}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", COLUMNS="200", DONDOC_ENVIRONMENT="test",
               DONDOC_DATA_DIR=str(tmp_path),
               DONDOC_TELEGRAM_TOKEN=botapi.token, DONDOC_TELEGRAM_API_URL=botapi.root)
    proc = subprocess.Popen([sys.executable, "-m", "dondoc.cli", "run", "--no-bot"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert "dondoc đang chạy" in first and "thông báo vẫn gửi qua Telegram" in first
    assert "Không có token" not in first
    assert botapi.calls("getUpdates") == []  # no bot: nothing polled
