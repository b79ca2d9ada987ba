"""The webhook endpoint: refuses a request on its headers (secret token, declared size) before reading
any of its body, caps the body while it arrives, and hands updates to the Application's queue.

PTB's own webhook server reads the whole body (up to tornado's 100 MB default) before it checks the
secret, so an unauthenticated client could make us buffer hundreds of megabytes.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Bot, Update
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram never sends more than this


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, bot: Bot, queue: asyncio.Queue, secret: str, max_body: int) -> None:
        self.bot, self.queue, self.secret, self.max_body = bot, queue, secret, max_body
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        """Called once the headers are in, before the body: everything that can refuse, refuses here."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.request.connection.set_max_body_size(self.max_body)  # type: ignore[attr-defined]  # chunked too

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_body:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            update = Update.de_json(json.loads(b"".join(self.chunks)), self.bot)
        except Exception:  # not an update: Telegram would not retry it, neither should anyone
            log.warning("webhook: refused a body that is not an update")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if update is not None:
            await self.queue.put(update)
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log.error("webhook handler failed", exc_info=(typ, value, tb))


@dataclass
class WebhookServer:
    """Serves `path` on listen:port until stopped."""

    bot: Bot
    queue: asyncio.Queue
    secret: str
    path: str
    listen: str = "127.0.0.1"
    port: int = 8443
    max_body: int = MAX_BODY
    _server: HTTPServer | None = field(default=None, init=False)

    def start(self) -> None:
        """Bind and serve (on the running event loop)."""
        app = tornado.web.Application([(rf"/{self.path.strip('/')}/?", _UpdateHandler,
                                        {"bot": self.bot, "queue": self.queue, "secret": self.secret,
                                         "max_body": self.max_body})], log_function=lambda handler: None)
        self._server = HTTPServer(app, max_body_size=self.max_body, body_timeout=30, idle_connection_timeout=60)
        self._server.listen(self.port, address=self.listen)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
