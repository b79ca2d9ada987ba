"""Database engines and sessions: SQLite (WAL, busy timeout) or PostgreSQL, migrated on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from engine.errors import StorageUnavailable

WRITE_OPTION = "dondoc_write"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the URL; SQLite gets WAL mode, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_begin(conn: Connection) -> None:
    # Readers take no lock (WAL); a writer asks for the lock up front so that two writers queue on the
    # busy timeout instead of failing when one upgrades a stale read snapshot.
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite; plain on PostgreSQL)."""
    if session.in_transaction():
        session.commit()  # end the read snapshot; later reads see what others committed
    session.connection(execution_options={WRITE_OPTION: True})


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]  # we issue BEGIN ourselves
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at our migrations and this engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration."""
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except OperationalError as exc:
        raise StorageUnavailable(f"cannot reach the database: {exc.orig}") from exc
    current = _current_revision(engine) if "alembic_version" in tables else None
    if current is not None and current == _head_revision(engine):
        return
    command.upgrade(alembic_config(engine), "head")


def _head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def _current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that is closed afterwards; commands commit or roll back themselves."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
