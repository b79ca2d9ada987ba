"""Signed cookie sessions: HttpOnly, SameSite=Lax, Secure over HTTPS, ended after 8 hours without activity."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from base64 import b64decode, b64encode
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "dondoc_session"
IDLE = dt.timedelta(hours=8)
PASSIVE_HEADER = "x-dondoc-poll"  # live-update polls: they do not count as activity


class SessionMiddleware:
    """`scope["session"]` is a dict read from and written back to one signed cookie.

    The idle clock is the session's own `seen` stamp, taken from the app's clock and refreshed only by
    requests a person makes (not by the page polling for live updates).
    """

    def __init__(self, app: ASGIApp, *, secret: str, clock: Callable[[], dt.datetime],
                 idle: dt.timedelta = IDLE) -> None:
        self.app, self.clock, self.idle = app, clock, idle
        self.signer = TimestampSigner(secret, salt="dondoc.web.session")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        session = self._load(conn.cookies.get(COOKIE))
        now = self.clock()
        seen = session.get("seen")
        if seen is not None and now - dt.datetime.fromisoformat(seen) > self.idle:
            session = {"expired": True}
        if "uid" in session and PASSIVE_HEADER not in conn.headers:
            session["seen"] = now.isoformat()
        session.setdefault("csrf", secrets.token_urlsafe(24))
        scope["session"] = session
        secure = conn.url.scheme == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                value = self.signer.sign(b64encode(json.dumps(scope["session"]).encode())).decode()
                # The cookie outlives the idle limit a little: the server-side `seen` check decides.
                cookie = (f"{COOKIE}={value}; Path=/; Max-Age={int(self.idle.total_seconds()) + 3600}; "
                          f"HttpOnly; SameSite=Lax")
                headers.append("Set-Cookie", cookie + ("; Secure" if secure else ""))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = json.loads(b64decode(self.signer.unsign(raw.encode())))
        except (BadSignature, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
