"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against a real uvicorn."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dondoc.bootstrap import App

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Browser tests run on SQLite only: the database paths are covered by the route and store tests."""
    return f"sqlite:///{tmp_path / 'dondoc.db'}"


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """One headless Chromium for all browser tests; closed when they are done, since Playwright's sync API
    holds an event loop on the main thread that later tests' asyncio.run() must not meet."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium; .ci/run does it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield browser
        browser.close()


@contextmanager
def web_server(app: App) -> Iterator[str]:
    """The web app on 127.0.0.1 (a free port) in a thread; yields its URL, stops it afterwards."""
    import uvicorn

    from web.server import bound_url, config

    server = uvicorn.Server(config(app, "127.0.0.1", 0))
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    try:
        yield bound_url(server, "127.0.0.1")
    finally:
        server.should_exit = True
        thread.join(15)


@contextmanager
def bot_in_thread(app: App, drain_interval: float = 0.3) -> Iterator[None]:
    """The real Telegram bot (against the test Bot API server) on its own event loop in a thread."""
    from tests.support.telegram import running_bot

    ready, failed = threading.Event(), []
    holder: dict[str, Any] = {}

    async def main() -> None:
        try:
            async with running_bot(app, drain_interval=drain_interval):
                holder["loop"], holder["stop"] = asyncio.get_running_loop(), asyncio.Event()
                ready.set()
                await holder["stop"].wait()
        except BaseException as exc:  # surfaced in the test thread
            failed.append(exc)
            ready.set()

    thread = threading.Thread(target=asyncio.run, args=(main(),), name="bot", daemon=True)
    thread.start()
    ready.wait(20)
    if failed:
        raise failed[0]
    try:
        yield
    finally:
        holder["loop"].call_soon_threadsafe(holder["stop"].set)
        thread.join(20)
