"""Shared fixtures: every store test runs on SQLite, and on PostgreSQL when DONDOC_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from config.settings import Settings
from dondoc.bootstrap import App, bootstrap
from engine.db import make_engine
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock, RecordingNotifier
from tests.support.fixtures import botapi  # noqa: F401  (the local Bot API server fixture)
from tests.support.prefect import prefect_harness  # noqa: F401  (one Prefect test harness per session)

PG_URL = os.environ.get("DONDOC_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parent.parent


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: an SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dondoc.db'}"
        return
    if not PG_URL:
        if os.environ.get("DONDOC_REQUIRE_POSTGRES"):
            pytest.fail("DONDOC_REQUIRE_POSTGRES is set but DONDOC_TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL tests need DONDOC_TEST_DATABASE_URL (set by .ci/run)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url, environment="test",
                    telegram_token=None, secret="test-secret")  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def app(settings: Settings, notifier: RecordingNotifier, clock: FixedClock) -> Iterator[App]:
    engine = make_engine(settings.resolved_database_url)
    application = bootstrap(settings, notifier=notifier, clock=clock, engine=engine)
    yield application
    application.engine.dispose()


@pytest.fixture
def session(app: App) -> Iterator[Session]:
    with app.session() as s:
        yield s


@pytest.fixture
def factory(session: Session) -> Factory:
    return Factory(session)
