"""Flow: queue the 07:30 digest on working days (engine.digest)."""

from __future__ import annotations

from typing import Any

import anyio
import pendulum
from prefect import flow, get_run_logger
from pydantic import AwareDatetime, BaseModel, Field

from engine.digest import queue_daily_digest
from flows import get_app, resolve_now


class DigestParams(BaseModel):
    """Parameters of daily_digest."""

    now: AwareDatetime | None = Field(None, description="Digest as of this time; default: the clock")
    force: bool = Field(False, description="Queue it even on a weekend or holiday")


@flow(name="daily_digest", log_prints=False)
async def daily_digest(params: DigestParams = DigestParams()) -> dict[str, Any]:
    """Queue each leader's digest and the office summary, unless today is not a working day."""
    app = get_app()
    now = resolve_now(app, params.now)
    # The cron fires every day: the calendar, not cron, knows holidays and make-up Saturdays.
    today = pendulum.instance(now).in_timezone(app.settings.timezone).date()
    summary: dict[str, Any] = {"now": now.isoformat(), "date": today.isoformat()}
    if not params.force and not app.calendar.is_working_day(today):
        summary.update(queued=0, skipped="not a working day")
    else:

        def work() -> int:
            with app.session() as session:
                return queue_daily_digest(session, now, calendar=app.calendar)

        summary["queued"] = await anyio.to_thread.run_sync(work)
    get_run_logger().info("daily_digest: %s", summary)
    return summary
