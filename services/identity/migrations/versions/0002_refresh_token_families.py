"""refresh token families

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 23:40:00 UTC

A refresh token belongs to the family of the sign-in it descends from (the hash of that
sign-in's first token), so that a used token coming back revokes the whole family. A token
issued before this revision is a family of its own.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("family", sa.String(length=64), nullable=True))
    op.execute("UPDATE refresh_tokens SET family = token_hash")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column("family", existing_type=sa.String(length=64), nullable=False)
        batch.create_index(op.f("ix_refresh_tokens_family"), ["family"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_index(op.f("ix_refresh_tokens_family"))
        batch.drop_column("family")
