"""When a directive next needs the sweep's attention, and when a notification may go out.

A first, policy-free version: the sweep looks at an open directive when its deadline passes.
"""

from __future__ import annotations

import datetime as dt

from engine.models import Directive, State

WATCHED = (State.assigned, State.in_progress)


def next_check_at(directive: Directive, now: dt.datetime) -> dt.datetime | None:
    """The next time the sweep must look at this directive, or None."""
    if directive.state in WATCHED and directive.deadline is not None:
        return directive.deadline
    return None


def notification_time(now: dt.datetime) -> dt.datetime:
    """The earliest time a notification queued now may be sent."""
    return now
