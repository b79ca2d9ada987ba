"""`dondoc deliver` from the shell: an unreachable Bot API, and a pass that outlives its lease."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

import dondoc.bootstrap
from config.settings import Settings
from dondoc.bootstrap import App, bootstrap
from engine.db import make_engine
from engine.delivery import deliver
from engine.directory import load_default_directory
from engine.models import Outbox, Person, Role
from engine.notify import Delivered, Notification
from engine.outbox import enqueue
from tests.support.botapi import free_tcp_port
from tests.support.cli import CLI
from tests.support.factory import T0

CHATS = 8


@pytest.fixture
def world(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """32 due digests to 8 bound people, in the database the CLI will open."""
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    monkeypatch.setenv("DONDOC_NOW", "2024-04-22T09:00:00+07:00")
    monkeypatch.delenv("DONDOC_TELEGRAM_TOKEN", raising=False)
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, environment="test")  # type: ignore[arg-type]
    app = bootstrap(settings, engine=make_engine(db_url))
    with app.session() as s:
        load_default_directory(s, settings.agencies_file)  # as the CLI would on first use
        people = [Person(name=f"Giám đốc Sở số {i}", role=Role.leader, telegram_chat_id=700_000 + i)
                  for i in range(CHATS)]
        s.add_all(people)
        s.commit()
        for i in range(32):
            p = people[i % CHATS]
            enqueue(s, key=f"test:{i}", kind="digest", person_id=p.id, directive_id=None,
                    payload={"date": "2024-04-22", "scope": "agency", "title": f"tin {i}", "counts": {},
                             "items": []}, not_before=T0 - dt.timedelta(minutes=1), now=T0)
        s.commit()
    yield app
    app.engine.dispose()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CLI:
    return CLI(capsys, monkeypatch)


def statuses(app: App) -> Counter[str]:
    with app.session() as s:
        return Counter(o.status.value for o in s.exec(select(Outbox)))


def test_deliver_with_the_bot_api_unreachable_says_so_in_a_few_lines(world: App, cli: CLI,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", "123456:TEST-token-that-is-long-enough-for-the-bot")
    monkeypatch.setenv("DONDOC_TELEGRAM_API_URL", f"http://127.0.0.1:{free_tcp_port()}")  # nobody listens
    result = cli("deliver")
    assert result.code == 1
    text = result.out + result.err
    assert "Traceback" not in text and len(text.strip().splitlines()) <= 6, text
    assert "Gửi thông báo: đã gửi 0/" in result.out
    assert "• Lỗi NetworkError:" in result.out  # one line for the kind of failure, with its count
    assert "Dừng lượt gửi" in result.out  # it stopped trying instead of failing every row
    assert result.err.startswith("Lỗi: Không gửi được tin nào")
    counts = statuses(world)
    assert counts["pending"] == 32 and counts["sending"] == 0  # nothing lost, everything retried later


def test_deliver_with_nothing_due(world: App, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_NOW", "2024-04-22T08:00:00+07:00")
    result = cli("deliver")
    assert result.code == 0 and result.out.strip() == "Gửi thông báo: không có tin nào đến hạn gửi."


class SlowRecorder:
    """Takes real time per send (as the per-chat limit does) and counts sends per row, thread-safe."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.lock, self.sends = seconds, threading.Lock(), Counter[int]()

    async def send(self, notification: Notification) -> Delivered:
        import asyncio

        await asyncio.sleep(self.seconds)
        with self.lock:
            self.sends[notification.outbox_id] += 1
        return Delivered(message_id=notification.outbox_id)


def test_a_cli_pass_longer_than_its_lease_sends_nothing_twice(world: App, cli: CLI, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13.8: `dondoc deliver` claimed 1,000 rows; past the lease a second deliverer sent them again."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("claim_lease_seconds: 1\n")  # a 32-message pass takes ~3 s: three leases
    monkeypatch.setenv("DONDOC_POLICY_FILE", str(policy))
    notifier = SlowRecorder(0.1)
    monkeypatch.setattr(dondoc.bootstrap, "default_notifier", lambda settings: notifier)
    other = bootstrap(world.settings.model_copy(update={"policy_file": policy}), notifier=notifier,
                      engine=make_engine(world.settings.resolved_database_url))
    stop = threading.Event()

    def competitor() -> None:  # the fast loop of `dondoc run`, or a flow run, at the same time
        import asyncio

        started = time.monotonic()  # on the CLI's clock: DONDOC_NOW plus the time elapsed
        with Session(other.engine, expire_on_commit=False) as session:
            while not stop.is_set():
                now = T0 + dt.timedelta(seconds=time.monotonic() - started)
                asyncio.run(deliver(session, notifier, now, policy=other.policy, calendar=other.calendar))
                time.sleep(0.05)

    thread = threading.Thread(target=competitor)
    thread.start()
    try:
        result = cli("deliver")
    finally:
        stop.set()
        thread.join()
    other.engine.dispose()
    assert result.code == 0, result.err
    assert statuses(world) == {"sent": 32}
    assert set(notifier.sends.values()) == {1}  # every message once, whoever sent it
