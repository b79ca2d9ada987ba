"""Prefect inside `dondoc run`: offline settings, and a local Prefect server supervised on loopback.

The server is `prefect server start --no-ui` on SQLite under the data dir, in its own process group.
A parent that is killed (even with SIGKILL) must not leave it running: on Linux the child asks the
kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere `stop()` is the only guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from config.settings import Settings

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
DEPLOYMENT = "embedded"  # distinct from prefect.yaml's "dondoc", so a shared server keeps both
_PR_SET_PDEATHSIG = 1


def offline_env(settings: Settings) -> dict[str, str]:
    """Prefect settings for an offline, self-contained install (the operator's own values win)."""
    home = settings.prefect_home
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    }


def apply_offline_env(settings: Settings) -> None:
    """Set the offline Prefect environment; call before `import prefect` (settings are read then)."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    for key, value in offline_env(settings).items():
        os.environ.setdefault(key, value)


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent(parent: int) -> None:
    """preexec_fn: SIGKILL this child when the parent dies (Linux), or exit if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


class LocalPrefectServer:
    """A `prefect server start` child on loopback; start(), wait_healthy(), stop()."""

    def __init__(self, home: Path, *, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.env = env or {}  # on top of this process's environment (e.g. the database, the auth string)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = home / "server.log"

    @property
    def api_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/api"

    def start(self) -> None:
        """Spawn the server. Call from the main thread: PDEATHSIG fires when the *thread* that forked dies."""
        self.home.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", LOOPBACK,
               "--port", str(self.port), "--no-ui", "--analytics-off"]
        env = {**{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}, **self.env}
        parent = os.getpid()
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=lambda: _die_with_parent(parent),
            )
        log.info("prefect server pid %s starting on %s (log: %s)",
                 self.process.pid, self.api_url, self.log_path)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def wait_healthy(self, timeout: float = 90.0) -> float:
        """Wait until /api/health answers; return the seconds it took."""
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() - started < timeout:
                if not self.running():
                    code = self.process.poll() if self.process else None
                    raise RuntimeError(f"prefect server exited with {code}; see {self.log_path}")
                try:
                    if (await client.get(f"{self.api_url}/health")).status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.25)
        raise TimeoutError(f"prefect server not healthy after {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server's whole process group: SIGTERM, then SIGKILL after `timeout`."""
        if self.process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout)
                break
            except subprocess.TimeoutExpired:
                log.warning("prefect server did not stop on %s", sig.name)
        self.process.wait()
        # The group may outlive its leader; make sure nothing of it remains.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        log.info("prefect server pid %s stopped", self.process.pid)


async def build_deployments() -> list[Any]:
    """The flows as runner deployments with the schedules of `flows.SCHEDULES`."""
    from prefect.schedules import Cron

    from flows import SCHEDULES, TIMEZONE
    from flows.advance_deadlines import advance_deadlines
    from flows.daily_digest import daily_digest
    from flows.deliver_notifications import deliver_notifications
    from flows.ingest_notice import ingest_notice

    result = []
    for flow in (advance_deadlines, deliver_notifications, daily_digest, ingest_notice):
        cron = SCHEDULES[flow.name]
        schedules = [Cron(cron, timezone=TIMEZONE)] if cron else None
        result.append(await flow.ato_deployment(name=DEPLOYMENT, schedules=schedules, tags=["dondoc"]))
    return result


async def drop_missed_runs(grace: dt.timedelta = dt.timedelta(minutes=2)) -> None:
    """Delete scheduled runs missed while we were down: the next run catches up, a burst would not."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    async with get_client() as client:
        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[DEPLOYMENT])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                expected_start_time=FlowRunFilterExpectedStartTime(before_=dt.datetime.now(dt.UTC) - grace),
            ),
        )
        for flow_run in runs:
            await client.delete_flow_run(flow_run.id)
    if runs:
        log.info("dropped %d flow runs missed while stopped", len(runs))


# --- The scaled set-up (docs/scaling.md): a shared Prefect server, process workers on several hosts ------

POOL = "dondoc-process"
HEARTBEAT_SECONDS = 30  # PREFECT_FLOWS_HEARTBEAT_FREQUENCY on every worker; Prefect's minimum
ZOMBIE_AUTOMATION = "dondoc: crash runs of a lost worker"


def enter_code_dir() -> dict[str, str]:
    """Prefect pull step: run the flow from this host's dondoc code, resolved on the worker at run time.

    DONDOC_CODE_DIR if the host sets it, else where dondoc is installed (a checkout installed with
    `pip install -e`, or site-packages for a wheel: both hold `flows/` and `config/`). Nothing is
    templated into the deployment, so each worker finds its own path whoever ran `prefect deploy`.
    """
    import flows

    directory = Settings().code_dir or Path(flows.__file__).resolve().parent.parent
    os.chdir(directory)
    return {"directory": os.getcwd()}


def zombie_automation(heartbeat: int = HEARTBEAT_SECONDS) -> dict[str, Any]:
    """The automation that marks a flow run Crashed when its heartbeats stop (its worker died)."""
    expect = ["prefect.flow-run.heartbeat", *(f"prefect.flow-run.{s}" for s in
                                              ("Completed", "Failed", "Cancelled", "Crashed"))]
    return {
        "name": ZOMBIE_AUTOMATION,
        "description": f"A running flow run with no heartbeat for {3 * heartbeat} s (three missed beats) lost "
                       "its worker: mark it Crashed so it frees its concurrency slot and shows the truth.",
        "enabled": True,
        "trigger": {
            "type": "event", "posture": "Proactive", "threshold": 1, "within": 3 * heartbeat,
            # Armed by Running too, so a run killed before its first heartbeat is caught as well.
            "after": ["prefect.flow-run.heartbeat", "prefect.flow-run.Running"], "expect": expect,
            "match": {"prefect.resource.id": "prefect.flow-run.*"}, "for_each": ["prefect.resource.id"],
        },
        "actions": [{"type": "change-flow-run-state", "state": "CRASHED",
                     "message": f"No heartbeat for {3 * heartbeat} s: the worker running it was lost."}],
    }


async def configure(pool: str = POOL, pool_limit: int | None = None, heartbeat: int = HEARTBEAT_SECONDS) -> None:
    """Create or update the process work pool (with its concurrency limit) and the zombie automation."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.events.schemas.automations import AutomationCore
    from prefect.workers.process import ProcessWorker

    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(
            name=pool, type="process", concurrency_limit=pool_limit,
            base_job_template=ProcessWorker.get_default_base_job_template()), overwrite=True)
        automation = AutomationCore.model_validate(zombie_automation(heartbeat))
        existing = await client.read_automations_by_name(automation.name)
        if existing:
            await client.update_automation(existing[0].id, automation)
        else:
            await client.create_automation(automation)
    log.info("work pool %s (limit %s) and automation %r ready", pool, pool_limit, automation.name)


def main(argv: list[str] | None = None) -> int:
    """`python -m dondoc.prefect_server setup [--pool NAME] [--pool-limit N]`, against PREFECT_API_URL."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dondoc.prefect_server",
                                     description="Configure a shared Prefect server for dondoc.")
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="work pool with its concurrency limit, and the lost-worker automation")
    setup.add_argument("--pool", default=POOL)
    setup.add_argument("--pool-limit", type=int, default=None, help="flow runs at once across all workers")
    setup.add_argument("--heartbeat", type=int, default=HEARTBEAT_SECONDS,
                       help="PREFECT_FLOWS_HEARTBEAT_FREQUENCY of the workers (seconds)")
    args = parser.parse_args(argv)
    if not os.environ.get("PREFECT_API_URL"):
        parser.error("PREFECT_API_URL must name the Prefect server")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    asyncio.run(configure(args.pool, args.pool_limit, args.heartbeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
