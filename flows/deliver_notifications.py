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
    limit: int = Field(10_000, ge=1, description="Send at most this many messages in this run")
    budget_seconds: float = Field(45, gt=0, description="Claim no new batch after this long; the next run "
                                  "(every minute) goes on, so runs do not pile up behind a backlog")


@flow(name="deliver_notifications", log_prints=False)
async def deliver_notifications(params: DeliverParams = DeliverParams()) -> dict[str, Any]:
    """Claim, send and record due notifications in batches; concurrent runs never claim the same row."""
    app = get_app()
    now = resolve_now(app, params.now)
    policy = app.policy
    with app.session() as session:
        report = await deliver(session, app.notifier, now, limit=params.limit, policy=policy,
                               calendar=app.calendar, budget=params.budget_seconds)
    summary = {"now": now.isoformat(), **summarize(report)}
    get_run_logger().info("deliver_notifications: %s", summary)
    return summary
