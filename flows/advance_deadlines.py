"""Flow: record passed deadlines and queue due reminders and escalations (engine.sweep)."""

from __future__ import annotations

from typing import Any

import anyio
from prefect import flow, get_run_logger
from pydantic import AwareDatetime, BaseModel, Field

from engine.sweep import sweep
from flows import get_app, resolve_now, summarize


class AdvanceParams(BaseModel):
    """Parameters of advance_deadlines."""

    now: AwareDatetime | None = Field(None, description="Evaluate as of this time; default: the clock")


@flow(name="advance_deadlines", log_prints=False)
async def advance_deadlines(params: AdvanceParams = AdvanceParams()) -> dict[str, Any]:
    """Sweep the directives whose next check is due; safe to run twice at once."""
    app = get_app()
    now = resolve_now(app, params.now)
    policy = app.policy

    def work() -> Any:
        with app.session() as session:
            return sweep(session, now, policy=policy, calendar=app.calendar)

    # The sweep is synchronous database work: keep it off the event loop.
    report = summarize(await anyio.to_thread.run_sync(work))
    summary = {"now": now.isoformat(), **report}
    get_run_logger().info("advance_deadlines: %s", summary)
    return summary
