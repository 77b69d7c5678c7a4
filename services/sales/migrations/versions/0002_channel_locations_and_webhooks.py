"""channel locations and webhooks

Channels sell only from their locations: the seeded Banten channels get theirs (a channel
added by hand before gets none and sells nothing until an administrator gives it some).
Webhooks and their deliveries are new.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:20:52 UTC
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPT_STORES = [
    f"{upt}-STORE" for upt in ("TGR1", "TGRP", "TGRW", "RTGR", "SRG", "CLG", "RKB", "PDG", "CGR")
]
# As services/sales/channels.py seeds them, written out: a migration stays as it was written.
SEEDED_LOCATIONS = {
    "GALERI-SERANG": ["KANWIL-GALERI"],
    "EXPO-UMKM": ["EXPO-KP3B"],
    "E-KATALOG": UPT_STORES,
    "MARKETPLACE": UPT_STORES,
}


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel_code", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["channel_code", "status", "id"], unique=False
        )
        batch_op.create_index(
            "ix_webhook_deliveries_event", ["channel_code", "event_id"], unique=True
        )
    op.create_table(
        "webhooks",
        sa.Column("channel_code", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel_code"),
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locations", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    channels = sa.table("channels", sa.column("code", sa.String), sa.column("locations", sa.JSON))
    for code, locations in SEEDED_LOCATIONS.items():
        op.execute(channels.update().where(channels.c.code == code).values(locations=locations))
    op.execute(channels.update().where(channels.c.locations.is_(None)).values(locations=[]))
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.alter_column("locations", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("active", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("locations")
    op.drop_table("webhooks")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_event")
        batch_op.drop_index("ix_webhook_deliveries_due")
    op.drop_table("webhook_deliveries")
