"""Serving the web app with uvicorn: alone (`dondoc web`) or as one task of `dondoc run`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator

import uvicorn

from dondoc.bootstrap import App

log = logging.getLogger("dondoc.web")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers: whoever runs it owns SIGINT/SIGTERM and says when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def config(app: App, host: str, port: int) -> uvicorn.Config:
    """uvicorn's configuration for our ASGI app."""
    from web.app import create_app

    return uvicorn.Config(create_app(app), host=host, port=port, log_level="warning", access_log=False,
                          lifespan="off", proxy_headers=True, forwarded_allow_ips="127.0.0.1")


def bound_url(server: uvicorn.Server, host: str) -> str:
    """The address a started server listens on (its real port when 0 was asked)."""
    sock = server.servers[0].sockets[0]
    return f"http://{host}:{sock.getsockname()[1]}"


async def serve(app: App, stop: asyncio.Event, *, host: str | None = None, port: int | None = None,
                on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until `stop` is set; `on_ready` gets the URL once the socket is bound."""
    host = host or app.settings.web_host
    port = app.settings.web_port if port is None else port
    server = _Server(config(app, host, port))
    task = asyncio.create_task(server.serve(), name="web-server")
    while not server.started:
        if task.done():
            await task  # raises why it could not start (port taken …)
            raise RuntimeError(f"the web server could not listen on {host}:{port}")
        await asyncio.sleep(0.05)
    url = bound_url(server, host)
    log.info("web app at %s", url)
    if on_ready is not None:
        on_ready(url)
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stopper.cancel()
        await task


async def web_task(app: App, stop: asyncio.Event) -> None:
    """`dondoc run`'s web part (DONDOC_WEB_HOST / DONDOC_WEB_PORT, loopback by default)."""
    await serve(app, stop, on_ready=lambda url: print(f"Trang web: {url}", flush=True))
