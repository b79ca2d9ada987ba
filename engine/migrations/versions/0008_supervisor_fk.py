"""agency.supervisor_id foreign key on PostgreSQL

0001 declared it with use_alter inside create_table, which Alembic skips there, so PostgreSQL databases
never got it (SQLite did). Create it where it is missing.

Revision ID: 0008
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return
    names = {fk["name"] for fk in sa.inspect(bind).get_foreign_keys("agency")}
    if "fk_agency_supervisor" not in names:
        op.create_foreign_key("fk_agency_supervisor", "agency", "person", ["supervisor_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_agency_supervisor", "agency", type_="foreignkey")
