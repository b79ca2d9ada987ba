"""core: notices are recognised by their content and keep their text

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_hash", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))
        # `--force` may store a notice twice: the file hash identifies, it no longer constrains.
        batch_op.drop_index("ix_notice_source_hash")
        batch_op.create_index("ix_notice_source_hash", ["source_hash"], unique=False)
        batch_op.create_index("ix_notice_content_hash", ["content_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_content_hash")
        batch_op.drop_index("ix_notice_source_hash")
        batch_op.create_index("ix_notice_source_hash", ["source_hash"], unique=True)
        batch_op.drop_column("text")
        batch_op.drop_column("content_hash")
