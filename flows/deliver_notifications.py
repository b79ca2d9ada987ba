"""Flow: send due outbox rows through the notifier (engine.delivery)."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from pydantic import AwareDatetime, BaseModel, Field

from engine.delivery import deliver
from flows import get_app, resolve_now, summarize


class DeliverParams(BaseModel):
    """Parameters of deliver_notifications."""

    now: AwareDatetime | None = Field(None, description="Deliver what is due then; default: the clock")


@flow(name="deliver_notifications", log_prints=False)
async def deliver_notifications(params: DeliverParams = DeliverParams()) -> dict[str, Any]:
    """Claim, send and record due notifications; concurrent runs never claim the same row."""
    app = get_app()
    now = resolve_now(app, params.now)
    policy = app.policy
    with app.session() as session:
        report = await deliver(session, app.notifier, now, policy=policy, calendar=app.calendar)
    summary = {"now": now.isoformat(), **summarize(report)}
    get_run_logger().info("deliver_notifications: %s", summary)
    return summary
