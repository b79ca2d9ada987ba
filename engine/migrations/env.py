"""Alembic environment: runs against the engine dondoc passes in (or DONDOC_DATABASE_URL)."""

from alembic import context
from sqlmodel import SQLModel

import engine.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connectable = config.attributes.get("engine")
    if connectable is None:
        from config.settings import Settings
        from engine.db import make_engine

        connectable = make_engine(Settings().resolved_database_url)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
