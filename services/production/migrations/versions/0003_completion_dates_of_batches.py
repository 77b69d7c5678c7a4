"""completion dates of batches: the production and best-before dates a batch was completed
with, so that a completion sent again with other dates is a 409 (not a harmless resend).
Batches completed before have none (NULL): their dates are in their batch-completed event.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 23:50:00 UTC
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.add_column(sa.Column("production_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("best_before", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.drop_column("best_before")
        batch_op.drop_column("production_date")
