"""web: one-time login tokens, the folded search column of directives, people removed from the directory

Revision ID: 0007
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.timeutil

revision: str = "0007"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "logintoken",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", engine.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", engine.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", engine.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("logintoken", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logintoken_person_id"), ["person_id"], unique=False)
    with op.batch_alter_table("directive", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("directive", schema=None) as batch_op:
        batch_op.create_index("ix_directive_board", ["lead_agency_id", "notice_id", "state", "deadline",
                                                     "reported_at", "done_at", "assigned_at", "acknowledged_at"],
                              unique=False)
        batch_op.create_index("ix_directive_deadline", ["deadline", "id"], unique=False)
        batch_op.create_index("ix_directive_state", ["state", "deadline", "acknowledged_at", "assigned_at",
                                                     "reported_at", "done_at", "lead_agency_id", "notice_id"],
                              unique=False)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    _backfill_search_text()


def _backfill_search_text() -> None:
    from engine.search import search_key

    conn = op.get_bind()
    directive = sa.table("directive", sa.column("id", sa.Integer), sa.column("ref"), sa.column("lead"),
                         sa.column("coordinators", sa.JSON), sa.column("task"), sa.column("report_to"),
                         sa.column("search_text"))
    rows = conn.execute(sa.select(directive.c.id, directive.c.ref, directive.c.lead, directive.c.coordinators,
                                  directive.c.task, directive.c.report_to)).all()
    if rows:
        conn.execute(directive.update().where(directive.c.id == sa.bindparam("_id"))
                     .values(search_text=sa.bindparam("_key")),
                     [{"_id": r.id, "_key": search_key(r)} for r in rows])


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("active")
    with op.batch_alter_table("directive", schema=None) as batch_op:
        for name in ("ix_directive_board", "ix_directive_deadline", "ix_directive_state"):
            batch_op.drop_index(name)
        batch_op.drop_column("search_text")
    with op.batch_alter_table("logintoken", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logintoken_person_id"))
    op.drop_table("logintoken")
