"""locations and transfers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:20:47 UTC
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "locations",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("upt_code", sa.String(length=8), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "stock_transfers",
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(length=16), nullable=False),
        sa.Column("lot_code", sa.String(length=24), nullable=False),
        sa.Column("from_location", sa.String(length=16), nullable=False),
        sa.Column("to_location", sa.String(length=16), nullable=False),
        sa.Column("tracking", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("serials", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipped_event_id", sa.Uuid(), nullable=False),
        sa.Column("correlation_id", sa.Uuid(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_quantity", sa.Integer(), nullable=True),
        sa.Column("received_serials", sa.JSON(), nullable=False),
        sa.Column("short_quantity", sa.Integer(), nullable=True),
        sa.Column("short_serials", sa.JSON(), nullable=False),
        sa.Column("damaged_quantity", sa.Integer(), nullable=True),
        sa.Column("damaged_serials", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id"),
    )
    with op.batch_alter_table("stock_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_transfers_lot_code"), ["lot_code"], unique=False)
        batch_op.create_index("ix_transfers_sku_status", ["sku", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stock_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_transfers_sku_status")
        batch_op.drop_index(batch_op.f("ix_stock_transfers_lot_code"))

    op.drop_table("stock_transfers")
    op.drop_table("locations")
