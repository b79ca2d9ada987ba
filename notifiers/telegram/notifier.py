"""The Telegram notifier: renders a Notification and sends it through PTB's Bot, mapping errors to
the delivery layer's transient/permanent classes."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from telegram import Message
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from config.settings import Settings
from engine.errors import DondocError
from engine.notify import Delivered, Notification, PermanentDeliveryError, TransientDeliveryError
from engine.redact import redact, remember
from notifiers.messages import render
from notifiers.telegram.keyboards import action_keyboard
from notifiers.telegram.ratelimit import DondocRateLimiter, _seconds

log = logging.getLogger(__name__)
PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid", "bot can't initiate")
TOKEN_REJECTED = ("Telegram từ chối token của bot (DONDOC_TELEGRAM_TOKEN): token đã bị thu hồi hoặc đổi. "
                  "Vui lòng lấy token mới từ @BotFather và cấu hình lại.")


class TokenRejected(DondocError):
    """The Bot API refused the configured token (revoked or rotated); an operator must replace it."""

    def __init__(self) -> None:
        super().__init__(TOKEN_REJECTED)


async def open_bot(bot: ExtBot) -> None:
    """Initialise the bot (getMe); TokenRejected, whose text never carries the token, if it is refused."""
    try:
        await bot.initialize()
    except InvalidToken:
        raise TokenRejected() from None


def build_bot(settings: Settings, limiter: DondocRateLimiter | None = None, *, pool: int = 64,
              read_timeout: float = 10.0) -> ExtBot:
    """An ExtBot for the configured Bot API server, with our rate limiter and a real connection pool."""
    if settings.telegram_token is None:
        raise ValueError("DONDOC_TELEGRAM_TOKEN is not set")
    token = settings.telegram_token.get_secret_value()
    remember(token)
    root = settings.telegram_api_url.rstrip("/")
    # httpx writes headers and body separately; without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms.
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    request = HTTPXRequest(connection_pool_size=pool, read_timeout=read_timeout, write_timeout=read_timeout,
                           connect_timeout=5.0, pool_timeout=30.0, socket_options=nodelay)
    return ExtBot(token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot", request=request,
                  get_updates_request=HTTPXRequest(connection_pool_size=2, socket_options=nodelay),
                  rate_limiter=limiter or DondocRateLimiter())


def classify(exc: TelegramError) -> TransientDeliveryError | PermanentDeliveryError:
    """The delivery error for a PTB error (its text redacted)."""
    text = redact(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, RetryAfter):
        return TransientDeliveryError(text, retry_after=_seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return PermanentDeliveryError(text)
    if isinstance(exc, BadRequest) and any(p in str(exc).lower() for p in PERMANENT_BAD_REQUESTS):
        return PermanentDeliveryError(text)
    # TimedOut, NetworkError (5xx, connection errors), other 400s: retried by the outbox with backoff.
    return TransientDeliveryError(text)


class TelegramNotifier:
    """Implements engine.notify.Notifier over PTB; buttons carry callback data signed with settings.secret."""

    def __init__(self, bot: ExtBot, secret: str) -> None:
        self.bot = bot
        self.secret = secret
        self._ready: asyncio.Lock | None = None
        self._initialized = False

    @classmethod
    def from_settings(cls, settings: Settings, **limits: Any) -> TelegramNotifier:
        """A notifier for the configured token, Bot API server and secret."""
        limiter = DondocRateLimiter(**limits) if limits else None
        return cls(build_bot(settings, limiter), settings.secret.get_secret_value())

    async def initialize(self) -> None:
        """Open the HTTP client (done lazily by send too)."""
        if self._initialized:
            return
        self._ready = self._ready or asyncio.Lock()
        async with self._ready:
            if not self._initialized:
                await open_bot(self.bot)
                self._initialized = True

    async def shutdown(self) -> None:
        """Close the HTTP client."""
        if self._initialized:
            await self.bot.shutdown()
            self._initialized = False

    async def __aenter__(self) -> TelegramNotifier:
        await self.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    async def send(self, notification: Notification) -> Delivered:
        """Send one notification (split under 4096 characters; buttons on the last part)."""
        chat_id = notification.recipient.chat_id
        if chat_id is None:
            raise PermanentDeliveryError(f"{notification.recipient.name} has not linked a Telegram chat")
        rendered = render(notification)
        view = notification.directive or {}
        markup = action_keyboard(rendered.buttons, view.get("id"), int(view.get("version") or 0), self.secret)
        parts = rendered.parts
        last: Message | None = None
        try:
            await self.initialize()
            for i, part in enumerate(parts):
                last = await self.bot.send_message(chat_id, part, reply_markup=markup if i == len(parts) - 1 else None)
        except TelegramError as exc:
            error = classify(exc)
            log.info("outbox row %s to chat %s: %s", notification.outbox_id, chat_id, error)
            raise error from None
        except TokenRejected as exc:  # every row waits (retried with backoff) until the token is replaced
            raise TransientDeliveryError(str(exc)) from None
        assert last is not None
        return Delivered(message_id=last.message_id)
