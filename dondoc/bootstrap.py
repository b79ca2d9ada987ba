"""The composition root: the one place that builds engines, sessions and notifiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.settings import Settings
from engine.calendar import WorkCalendar
from engine.db import make_engine, migrate
from engine.notify import Notifier
from engine.policy import Policy, load_policy
from engine.redact import install_log_redaction, remember
from engine.timeutil import now_utc, set_local_timezone

if TYPE_CHECKING:
    from notifiers.telegram.notifier import TelegramNotifier

Clock = Callable[[], dt.datetime]


@dataclass
class App:
    """Everything a driver needs, built once."""

    settings: Settings
    engine: Engine
    notifier: Notifier
    clock: Clock
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    policy: Policy = field(default_factory=Policy)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A new session; commands commit or roll back themselves."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def now(self) -> dt.datetime:
        """The driver's clock (real, or fixed/simulated in tests and the demo)."""
        return self.clock()


def bootstrap(
    settings: Settings | None = None,
    *,
    notifier: Notifier | None = None,
    clock: Clock | None = None,
    engine: Engine | None = None,
    migrate_db: bool = True,
) -> App:
    """Build the app: database (created or upgraded on first use), notifier and clock."""
    settings = settings or Settings()
    protect_secrets(settings)
    set_local_timezone(settings.timezone)  # the one source of the local zone (days, deadlines, display)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or make_engine(settings.resolved_database_url)
    if migrate_db:
        migrate(engine)
    if notifier is None:
        notifier = default_notifier(settings)
    policy = load_policy(settings.policy_file, timezone=settings.timezone)
    return App(settings=settings, engine=engine, notifier=notifier, clock=clock or now_utc,
               calendar=policy.calendar(), policy=policy)


def protect_secrets(settings: Settings) -> None:
    """Mask the configured secrets in everything that leaves the process (stored errors, output, logs)."""
    values = (settings.secret, settings.webhook_secret, settings.telegram_token)
    remember(*(v.get_secret_value() for v in values if v is not None))
    install_log_redaction()


def default_notifier(settings: Settings) -> Notifier:
    """Telegram when a token is configured, else the console."""
    if settings.telegram_token is not None:
        from notifiers.telegram.notifier import TelegramNotifier

        return TelegramNotifier.from_settings(settings)
    from notifiers.console import ConsoleNotifier

    return ConsoleNotifier()


def telegram_notifier(app: App) -> TelegramNotifier:
    """The app's Telegram notifier, or one built from its settings (the bot sends through it)."""
    from notifiers.telegram.notifier import TelegramNotifier

    if isinstance(app.notifier, TelegramNotifier):
        return app.notifier
    return TelegramNotifier.from_settings(app.settings)
