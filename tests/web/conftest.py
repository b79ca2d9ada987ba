"""Web route tests: the ASGI app over httpx, on the seeded directory and the seed notice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from dondoc.bootstrap import App
from engine.directory import load_default_directory
from engine.login import create_login_token
from engine.models import Person, Role
from web.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """An httpx client logged in (or not) to the app, that knows its CSRF token."""

    client: TestClient
    csrf: str = ""

    def get(self, url: str, **kw: object) -> httpx.Response:
        response = self.client.get(url, follow_redirects=False, **kw)  # type: ignore[arg-type]
        if m := CSRF.search(response.text):
            self.csrf = m.group(1)
        return response

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kw: object) -> httpx.Response:
        payload = dict(data or {})
        if csrf:
            payload["csrf_token"] = self.csrf
        return self.client.post(url, data=payload, follow_redirects=False, **kw)  # type: ignore[arg-type]


def person(app: App, role: Role, agency_code: str | None = None) -> Person:
    """The first person of the directory with that role (and agency)."""
    from engine.models import Agency

    with app.session() as s:
        stmt = select(Person).where(Person.role == role).order_by(col(Person.id))
        if agency_code:
            stmt = stmt.join(Agency, col(Agency.id) == col(Person.agency_id)).where(Agency.code == agency_code)
        return s.exec(stmt).first()  # type: ignore[return-value]


def login(browser: Browser, app: App, who: Person) -> None:
    """Follow a one-time link as the person would: open it, confirm."""
    with app.session() as s:
        token = create_login_token(s, who.id, app.now())  # type: ignore[arg-type]
    page = browser.get(f"/dang-nhap/{token}")
    assert page.status_code == 200 and who.name in page.text
    done = browser.post(f"/dang-nhap/{token}", {"next": "/"})
    assert done.status_code == 303
    browser.get("/")


@pytest.fixture
def web_app(app: App) -> App:
    with app.session() as s:
        load_default_directory(s, app.settings.agencies_file)
    return app


@pytest.fixture
def browser(web_app: App) -> Iterator[Browser]:
    with TestClient(create_app(web_app), raise_server_exceptions=False) as client:
        b = Browser(client)
        b.get("/dang-nhap")
        yield b
