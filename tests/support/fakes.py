"""Test doubles for ports: a notifier that records what it was asked to send."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field

from engine.notify import Delivered, Notification, PermanentDeliveryError, TransientDeliveryError


@dataclass
class RecordingNotifier:
    """Records notifications; can be told to fail for given person ids."""

    sent: list[Notification] = field(default_factory=list)
    transient_failures: dict[int, int] = field(default_factory=dict)  # person_id -> failures left
    blocked: set[int] = field(default_factory=set)  # person ids whose chat blocked the bot

    async def send(self, notification: Notification) -> Delivered:
        pid = notification.recipient.person_id
        if pid in self.blocked:
            raise PermanentDeliveryError("Forbidden: bot was blocked by the user")
        if self.transient_failures.get(pid or -1, 0) > 0:
            self.transient_failures[pid or -1] -= 1
            raise TransientDeliveryError("Timed out", retry_after=None)
        self.sent.append(notification)
        return Delivered(message_id=len(self.sent))

    def kinds(self) -> list[str]:
        """The kinds sent, in order."""
        return [n.kind for n in self.sent]


@dataclass
class FixedClock:
    """A clock tests move by hand."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


class CountingNotifier:
    """Counts sends per outbox row, safely from several threads; each send may take real time (the
    per-chat pace of Telegram) so a delivery pass can outlive its lease."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds, self.lock, self.sends = seconds, threading.Lock(), Counter[int]()

    async def send(self, notification: Notification) -> Delivered:
        if self.seconds:
            await asyncio.sleep(self.seconds)
        with self.lock:
            self.sends[notification.outbox_id] += 1
        return Delivered(message_id=notification.outbox_id)
