"""Prefect's overhead per flow run (sync vs async, and around dondoc's own deliver flow).

    python -m benchmarks.bench_prefect [--runs 20] [--server-start]

Runs on Prefect's test harness unless PREFECT_API_URL points at a server. `--server-start` also
times `prefect server start` on SQLite (fresh home, then warm) as `dondoc run` supervises it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from config.settings import Settings
from dondoc.prefect_server import apply_offline_env

apply_offline_env(Settings())  # offline before prefect is imported: home under the data dir, no telemetry

from prefect import flow  # noqa: E402


def noop() -> int:
    return 1


@flow(name="bench-sync")
def sync_flow() -> int:
    return noop()


@flow(name="bench-async")
async def async_flow() -> int:
    return noop()


def timed(label: str, call: Callable[[], object], runs: int) -> float:
    """Print the median and mean of `runs` calls (after one warm-up); return the median in seconds."""
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    print(f"{label:<42} median {median * 1000:8.1f} ms   mean {statistics.mean(samples) * 1000:8.1f} ms")
    return median


@contextlib.contextmanager
def backend() -> Iterator[str]:
    """The server to run against: PREFECT_API_URL if set, else the test harness."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield "test harness"


def bench_dondoc_deliver(runs: int, tmp: Path) -> None:
    """deliver_notifications on an empty outbox: flow run vs the engine call it wraps."""
    from config.settings import Settings
    from dondoc.bootstrap import bootstrap
    from engine.delivery import deliver
    from flows import use_app
    from flows.deliver_notifications import DeliverParams, deliver_notifications
    from notifiers.console import ConsoleNotifier

    app = bootstrap(Settings(data_dir=tmp / "data", environment="test"), notifier=ConsoleNotifier())

    async def direct() -> None:
        with app.session() as session:
            await deliver(session, app.notifier, app.now())

    with use_app(app):
        engine = timed("engine.delivery.deliver (no flow)", lambda: asyncio.run(direct()), runs)
        wrapped = timed("deliver_notifications flow", lambda: asyncio.run(deliver_notifications(DeliverParams())),
                        runs)
    print(f"{'  => Prefect overhead on deliver':<42} {(wrapped - engine) * 1000:8.1f} ms")


def bench_server_start(tmp: Path) -> None:
    """Seconds until /api/health answers: a fresh Prefect home, then the same home again."""
    from config.settings import Settings
    from dondoc.prefect_server import LocalPrefectServer, apply_offline_env

    settings = Settings(data_dir=tmp / "server")
    apply_offline_env(settings)
    for label in ("prefect server start (fresh SQLite)", "prefect server start (warm)"):
        server = LocalPrefectServer(settings.prefect_home)
        server.start()
        try:
            print(f"{label:<42} healthy after {asyncio.run(server.wait_healthy()):.1f} s")
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--server-start", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.server_start:
            bench_server_start(Path(tmp))
        with backend() as where:
            print(f"flow runs against: {where}")
            base = timed("plain function call", noop, args.runs)
            sync = timed("sync @flow", sync_flow, args.runs)
            async_ = timed("async @flow (asyncio.run)", lambda: asyncio.run(async_flow()), args.runs)
            print(f"{'  => overhead sync / async':<42} {(sync - base) * 1000:8.1f} ms / "
                  f"{(async_ - base) * 1000:.1f} ms")
            bench_dondoc_deliver(args.runs, Path(tmp))


if __name__ == "__main__":
    main()
