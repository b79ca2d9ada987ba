"""Thin Prefect flows over the engine: one module per schedule, declared in prefect.yaml.

Each flow builds the app once per process (`get_app`), calls one engine function and returns a
JSON-able summary. Tests and the embedded runner may substitute the app with `use_app`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic_core import to_jsonable_python

from dondoc.bootstrap import App, bootstrap

# The embedded runner (dondoc.runtime) serves these with the same schedules prefect.yaml declares;
# tests/e2e/test_flows.py checks the two agree.
TIMEZONE = "Asia/Ho_Chi_Minh"
SCHEDULES: dict[str, str | None] = {
    "advance_deadlines": "*/5 * * * *",
    "deliver_notifications": "* * * * *",
    "daily_digest": "30 7 * * *",
    "ingest_notice": None,
}

_app: App | None = None


def get_app() -> App:
    """The app for this process, built from the environment (DONDOC_*) on first use."""
    global _app
    if _app is None:
        from config.settings import Settings

        _app = bootstrap(Settings())
    return _app


@contextmanager
def use_app(app: App) -> Iterator[App]:
    """Run flows in this block against `app` (a temp database, a recording notifier)."""
    global _app
    previous, _app = _app, app
    try:
        yield app
    finally:
        _app = previous


def resolve_now(app: App, now: dt.datetime | None) -> dt.datetime:
    """The explicit `now` parameter, else the app's clock."""
    return now if now is not None else app.now()


def summarize(report: Any) -> Any:
    """A report (dataclass, dict, number) as plain JSON data."""
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        report = dataclasses.asdict(report)
    return to_jsonable_python(report)
