"""What the bot needs from its caller: sessions, the clock, settings, policy and calendar."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Protocol

from sqlmodel import Session

from config.settings import Settings
from engine.calendar import WorkCalendar
from engine.policy import Policy


class Services(Protocol):
    """Provided by the composition root (dondoc.bootstrap.App satisfies it); the bot never builds these."""

    settings: Settings
    calendar: WorkCalendar
    policy: Policy

    def session(self) -> AbstractContextManager[Session]:
        """A new database session."""
        ...

    def now(self) -> dt.datetime:
        """The driver's clock."""
        ...
