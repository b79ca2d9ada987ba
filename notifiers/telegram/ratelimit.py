"""Telegram's limits on our side: PTB's AIORateLimiter (overall, per group) plus one message a second
per chat, and a pause that honours RetryAfter without retrying (the outbox retries)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

SEND_PREFIXES = ("send", "copy", "forward")


class _QuietZeroRetries(logging.Filter):
    """AIORateLimiter logs every RetryAfter at ERROR when it may not retry; the outbox handles those."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "after maximum of 0 retries" not in record.getMessage()


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_QuietZeroRetries())


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class DondocRateLimiter(AIORateLimiter):
    """AIORateLimiter (≈30/s overall, 20/min per group) with per-chat spacing and a storm breaker.

    Per chat: a send starts no earlier than `per_chat_interval` after the previous send to that chat
    *finished*, so the server sees them at least that far apart whatever the network does.
    On RetryAfter: that chat waits `retry_after`; two RetryAfter from different chats within a
    second look like a global flood, so every send waits. The error still propagates (max_retries=0
    by default): the outbox records it and retries the row after max(backoff, retry_after).
    """

    def __init__(self, *, overall_max_rate: float = 29.0, per_chat_interval: float = 1.0,
                 group_max_rate: float = 20, max_retries: int = 0) -> None:
        # One token per 1/rate seconds instead of `rate` per second: the same average without the
        # initial burst of a full bucket, which Telegram (and a sliding one-second window) would refuse.
        super().__init__(overall_max_rate=1, overall_time_period=1 / overall_max_rate,
                         group_max_rate=group_max_rate, group_time_period=60, max_retries=max_retries)
        self.per_chat_interval = per_chat_interval
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._chat_free_at: dict[str, float] = {}
        self._paused_until = 0.0
        self._last_flood: tuple[float, str] | None = None
        self.retry_after_seen = 0

    def _lock(self, chat: str) -> asyncio.Lock:
        if len(self._chat_locks) > 10_000:  # forget idle chats
            now = time.monotonic()
            for key in [k for k, t in self._chat_free_at.items() if t < now and not self._chat_locks[k].locked()]:
                self._chat_locks.pop(key, None)
                self._chat_free_at.pop(key, None)
        return self._chat_locks.setdefault(chat, asyncio.Lock())

    async def _wait_until(self, moment: float) -> None:
        delay = moment - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def _flooded(self, chat: str, retry_after: float) -> None:
        now = time.monotonic()
        self.retry_after_seen += 1
        self._chat_free_at[chat] = max(self._chat_free_at.get(chat, 0.0), now + retry_after)
        if self._last_flood and self._last_flood[1] != chat and now - self._last_flood[0] < 1.0:
            self._paused_until = max(self._paused_until, now + retry_after)
        self._last_flood = (now, chat)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the chat's turn and any flood pause, then let AIORateLimiter run the request."""
        chat_id = data.get("chat_id")
        if chat_id is None or not endpoint.lower().startswith(SEND_PREFIXES):
            await self._wait_until(self._paused_until)
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        chat = str(chat_id)
        async with self._lock(chat):
            while True:  # a flood noticed while we waited moves the moment again
                moment = max(self._chat_free_at.get(chat, 0.0), self._paused_until)
                if moment <= time.monotonic():
                    break
                await self._wait_until(moment)
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except RetryAfter as exc:
                self._flooded(chat, _seconds(exc.retry_after))
                raise
            finally:
                done = time.monotonic() + 0.002
                self._chat_free_at[chat] = max(self._chat_free_at.get(chat, 0.0), done + self.per_chat_interval)
