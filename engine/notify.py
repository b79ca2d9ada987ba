"""The port between the engine and whatever delivers messages (Telegram, console, a test fake)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Recipient:
    person_id: int | None
    name: str
    role: str
    chat_id: int | None = None
    agency: str | None = None


@dataclass(frozen=True)
class Notification:
    """One outbox row, ready to render: what happened, to whom, about which directive.

    `directive` is a plain snapshot (see engine.views.directive_view) so notifiers need no database.
    """

    outbox_id: int
    kind: str
    recipient: Recipient
    directive: dict[str, Any] | None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivered:
    message_id: int | None = None


class DeliveryError(Exception):
    """A send failed; `permanent` failures are not retried."""

    permanent = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientDeliveryError(DeliveryError):
    """Network trouble, 5xx, rate limits: try again later (after retry_after seconds if given)."""


class PermanentDeliveryError(DeliveryError):
    """The recipient cannot be reached (blocked the bot, chat not found, no chat bound)."""

    permanent = True


class Notifier(Protocol):
    """Sends rendered notifications; raises DeliveryError subclasses on failure."""

    async def send(self, notification: Notification) -> Delivered: ...
