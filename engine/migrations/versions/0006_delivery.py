"""delivery: claim token and renewable lease on outbox rows; held status for unbound recipients

Revision ID: 0006
Revises: 0004
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.timeutil

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL 12+ allows this inside the migration's transaction (the value is not used in it).
        op.execute("ALTER TYPE outboxstatus ADD VALUE IF NOT EXISTS 'held'")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("lease_until", engine.timeutil.UTCDateTime(timezone=True), nullable=True))
    # Rows claimed before this migration keep their claim until the old 300 s lease would have ended.
    outbox = sa.table("outbox", sa.column("id", sa.Integer()), sa.column("claimed_at", engine.timeutil.UTCDateTime()),
                      sa.column("lease_until", engine.timeutil.UTCDateTime()))
    bind = op.get_bind()
    claimed = bind.execute(sa.select(outbox.c.id, outbox.c.claimed_at).where(sa.text("status = 'sending'"))).all()
    for row_id, claimed_at in claimed:
        if claimed_at is not None:
            bind.execute(outbox.update().where(outbox.c.id == row_id)
                         .values(lease_until=claimed_at + dt.timedelta(seconds=300)))


def downgrade() -> None:
    op.execute("UPDATE outbox SET status = 'failed' WHERE status = 'held'")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claim_token")
