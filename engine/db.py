"""Database engines and sessions: SQLite (WAL, busy timeout) or PostgreSQL, migrated on first use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from engine.errors import StorageUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration.

    The usual case, a database already at the head, is one query and no Alembic import: every CLI call
    passes here, and loading Alembic and the migration scripts costs more than most commands.
    """
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            current = (conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
                       if "alembic_version" in tables else [])
    except OperationalError as exc:
        raise StorageUnavailable(f"Không kết nối được cơ sở dữ liệu (DONDOC_DATABASE_URL): {exc.orig}") from exc
    head = _declared_head() or _head_revision(engine)
    if current == [head]:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


_REVISION = re.compile(r'^revision(?::[^=]*)?=\s*"([^"]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?::[^=]*)?=\s*"([^"]+)"', re.MULTILINE)


@lru_cache(maxsize=1)
def _declared_head() -> str | None:
    """The single head of the migration chain, read from the scripts' text; None if it is not plain."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        if revision is None:
            return None
        revisions.add(revision.group(1))
        parents.update(_DOWN.findall(source))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that is closed afterwards; commands commit or roll back themselves."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
