"""`dondoc run` as a subprocess: local Prefect server on loopback, console delivery, clean stops, crashes."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import select

from config.settings import Settings
from dondoc.bootstrap import bootstrap
from engine.models import Outbox, OutboxStatus
from tests.support.factory import Factory
from tests.support.fakes import RecordingNotifier

pytest.importorskip("notifiers.console", reason="notifiers.console not yet available")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TASK = "Rà soát quy hoạch cụm công nghiệp Yên Lư"


class Service:
    """One `dondoc run` child (as `python -m dondoc.cli run`) with its output collected line by line."""

    def __init__(self, data_dir: Path, *extra: str, **env: str) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DONDOC_"))}
        clean.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", DONDOC_ENVIRONMENT="test", DONDOC_WEB_PORT="0",
                     DONDOC_DATA_DIR=str(data_dir), DONDOC_POLICY_FILE=str(data_dir / "policy.yaml"), **env)
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dondoc.cli", "run", "--no-bot", "--fast-interval", "1", *extra],
            cwd=ROOT, env=clean, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, check: Callable[[], object], what: str, timeout: float = 60) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := check():
                return result
            assert self.proc.poll() is None, f"dondoc run exited early:\n{self.output()}"
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}:\n{self.output()}")

    def line_with(self, text: str) -> str | None:
        return next((line for line in self.lines if text in line), None)

    def server_pid(self) -> int:
        line = self.wait_for(lambda: self.line_with("prefect server pid"), "the prefect server to start")
        return int(str(line).split("prefect server pid ")[1].split()[0])

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)


def alive(pid: int) -> bool:
    """True while a process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def prefect_servers(data_dir: Path) -> list[int]:
    """Pids of `prefect server` processes that run with this data dir's environment."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            env = (proc / "environ").read_bytes().decode(errors="replace")
        except (OSError, ValueError):
            continue
        if "prefect server start" in cmd and str(data_dir) in env:
            pids.append(int(proc.name))
    return pids


def sends(log: Path) -> list[int]:
    """Outbox ids the notifier sent, in order (from the DONDOC_TEST_SEND_LOG hook)."""
    if not log.exists():
        return []
    return [json.loads(line)["outbox_id"] for line in log.read_text().splitlines()]


@pytest.fixture
def spawn() -> Iterator[Callable[..., Service]]:
    """Start services; any still running when the test ends (it failed) are killed."""
    started: list[Service] = []

    def start(*args: object, **env: str) -> Service:
        started.append(Service(*args, **env))  # type: ignore[arg-type]
        return started[-1]

    yield start
    for service in started:
        if service.proc.poll() is None:
            service.proc.kill()
            service.proc.wait(10)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir whose database holds one assigned directive with its notification due now."""
    path = tmp_path / "data"
    path.mkdir()
    # Delivery holds messages in quiet hours and on days off: let this run send whatever the wall clock says.
    today = dt.datetime.now(dt.UTC).date()
    days = ", ".join((today + dt.timedelta(days=k)).isoformat() for k in (-1, 0, 1))
    (path / "policy.yaml").write_text(f'quiet_hours: {{start: "00:00", end: "00:00"}}\nextra_working_days: [{days}]\n')
    settings = Settings(data_dir=path, environment="test", telegram_token=None,  # type: ignore[arg-type]
                        policy_file=path / "policy.yaml")
    app = bootstrap(settings, notifier=RecordingNotifier())
    now = dt.datetime.now(dt.UTC)
    with app.session() as session:
        make = Factory(session)
        agency = make.agency(name="Sở Công Thương")
        make.person(name="Lê Văn Hùng", agency=agency, telegram_chat_id=4242)
        make.assigned(agency, make.office(), task=TASK, deadline=dt.date(now.year + 1, 12, 31), now=now)
        # Quiet hours or a weekend may have delayed it: make it due now whatever the wall clock says.
        session.execute(update(Outbox).values(not_before=now - dt.timedelta(minutes=1)))
        session.commit()
    app.engine.dispose()
    yield path
    for pid in prefect_servers(path):  # never leave a server behind, even when a test fails
        os.kill(pid, signal.SIGKILL)


def outbox(data_dir: Path) -> list[Outbox]:
    app = bootstrap(Settings(data_dir=data_dir, environment="test"), notifier=RecordingNotifier())
    with app.session() as session:
        rows = list(session.exec(select(Outbox)).all())
    app.engine.dispose()
    return rows


def test_run_serves_flows_sends_and_stops_on_sigint(data_dir: Path, tmp_path: Path,
                                                    spawn: Callable[..., Service]) -> None:
    log = tmp_path / "sends.jsonl"
    # Poll for runs every second (default 10 s) so the triggered run starts at once.
    service = spawn(data_dir, DONDOC_TEST_SEND_LOG=str(log), PREFECT_RUNNER_POLL_FREQUENCY="1")
    [row] = outbox(data_dir)
    service.wait_for(lambda: sends(log) == [row.id], "the fast loop to send the due notification", 30)
    assert TASK in service.output()  # the console notifier printed it

    line = str(service.wait_for(lambda: service.line_with("serving 4 deployments at "), "serve", 90))
    api = line.split("serving 4 deployments at ")[1].strip()
    assert api.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=api, timeout=10) as http:
        deployments = service.wait_for(
            lambda: len(found := http.post("/deployments/filter", json={}).json()) == 4 and found,
            "the four deployments", 30)
        by_flow = {http.get(f"/flows/{d['flow_id']}").json()["name"]: d for d in deployments}  # type: ignore[union-attr]
        assert set(by_flow) == {"advance_deadlines", "deliver_notifications", "daily_digest", "ingest_notice"}
        # A served deployment really runs: trigger one delivery run and wait for it to finish.
        deliver_id = by_flow["deliver_notifications"]["id"]
        # Right after registration the runner may still be updating the deployment: retry briefly.
        run = service.wait_for(
            lambda: "id" in (r := http.post(f"/deployments/{deliver_id}/create_flow_run", json={}).json()) and r,
            "a flow run to be created", 20)
        assert isinstance(run, dict)
        state = service.wait_for(
            lambda: (s := http.get(f"/flow_runs/{run['id']}").json()["state"]["type"]) in
            {"COMPLETED", "FAILED", "CRASHED"} and s, "the flow run", 60)
        assert state == "COMPLETED"

    server = service.server_pid()
    assert service.stop(signal.SIGINT) == 0
    assert not alive(server)
    assert prefect_servers(data_dir) == []
    assert [r.status for r in outbox(data_dir)] == [OutboxStatus.sent]
    assert sends(log) == [row.id]


@pytest.mark.parametrize("hold", ["before", "after"])
def test_kill_between_claim_and_record_loses_nothing(data_dir: Path, tmp_path: Path, hold: str,
                                                     spawn: Callable[..., Service]) -> None:
    log, held = tmp_path / "sends.jsonl", tmp_path / "held"
    service = spawn(data_dir, DONDOC_TEST_SEND_LOG=str(log), DONDOC_TEST_HOLD=hold,
                      DONDOC_TEST_HOLD_FILE=str(held))
    server = service.server_pid()
    service.wait_for(held.exists, "the notifier to hang mid-delivery", 30)
    service.proc.kill()  # SIGKILL: no cleanup runs in dondoc itself
    service.proc.wait(10)
    deadline = time.monotonic() + 10
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(server), "the prefect server outlived its killed parent"

    [row] = outbox(data_dir)
    assert row.status == OutboxStatus.sending  # claimed, never recorded
    assert sends(log) == ([] if hold == "before" else [row.id])

    # Restart with the clock past the claim lease (5 minutes): the row is claimed again and sent.
    expected = [row.id] if hold == "before" else [row.id, row.id]
    again = spawn(data_dir, "--clock-offset", "600", DONDOC_TEST_SEND_LOG=str(log))
    again.wait_for(lambda: sends(log) == expected, "the resend after restart", 30)
    assert again.stop(signal.SIGTERM) == 0
    assert [r.status for r in outbox(data_dir)] == [OutboxStatus.sent]
    assert sends(log) == expected  # nothing lost; at most that one message twice
    assert prefect_servers(data_dir) == []
