"""catalogue as master data: UPT kind and class; a product's own GTIN (nullable; labels of a
product without one carry the internal code of its catalogue number), shelf life, food permit
and whether it is still made. The seeded rows get the seed's values.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:20:57 UTC
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The seed's values at this revision (services/production/catalogue.py), written out so that
# the migration stays what it was when the seed changes.
UPT_KINDS = {
    "TGR1": ("lapas", "I"),
    "TGRP": ("lapas", "IIA"),
    "TGRW": ("lapas_perempuan", "IIA"),
    "RTGR": ("rutan", "I"),
    "SRG": ("lapas", "IIA"),
    "CLG": ("lapas", "IIA"),
    "RKB": ("lapas", "III"),
    "PDG": ("rutan", "IIB"),
    "CGR": ("lapas_terbuka", "IIB"),
}
FOOD = {  # sku -> shelf life in days, permit
    "PAN-ROT-001": (5, "spp-irt"),
    "PAN-JHM-250": (365, "spp-irt"),
    "PAN-KTP-150": (90, "spp-irt"),
    "PAN-NST-500": (60, "spp-irt"),
    "AGR-TLR-30": (14, None),
    "AGR-LEL-KG": (2, None),
}


def upgrade() -> None:
    with op.batch_alter_table("upts") as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="lapas")
        )
        batch_op.add_column(
            sa.Column("upt_class", sa.String(4), nullable=False, server_default="IIA")
        )
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("shelf_life_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("food_permit", sa.String(8), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.alter_column("gtin", existing_type=sa.String(14), nullable=True)
    upts = sa.table("upts", sa.column("code"), sa.column("kind"), sa.column("upt_class"))
    for code, (kind, upt_class) in UPT_KINDS.items():
        op.execute(upts.update().where(upts.c.code == code).values(kind=kind, upt_class=upt_class))
    products = sa.table(
        "products",
        sa.column("sku"),
        sa.column("gtin"),
        sa.column("shelf_life_days"),
        sa.column("food_permit"),
    )
    for sku, (days, permit) in FOOD.items():
        op.execute(
            products.update()
            .where(products.c.sku == sku)
            .values(shelf_life_days=days, food_permit=permit)
        )
    # Every GTIN so far was the internal code (restricted-circulation prefix 02): not their own.
    op.execute(products.update().where(products.c.gtin.like("002%")).values(gtin=None))
    with op.batch_alter_table("upts") as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(16), server_default=None)
        batch_op.alter_column("upt_class", existing_type=sa.String(4), server_default=None)
    with op.batch_alter_table("products") as batch_op:
        batch_op.alter_column("active", existing_type=sa.Boolean(), server_default=None)
        batch_op.create_unique_constraint("products_gtin_key", ["gtin"])


def downgrade() -> None:
    products = sa.table("products", sa.column("gtin"), sa.column("catalogue_number", sa.Integer()))
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_constraint("products_gtin_key", type_="unique")
    # Back to a GTIN in every row: the internal code (0 02 catalogue number, check digit).
    conn = op.get_bind()
    rows = conn.execute(sa.select(products.c.catalogue_number).where(products.c.gtin.is_(None)))
    for (number,) in rows.all():
        body = f"002{number:010d}"
        total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
        gtin = body + str((10 - total % 10) % 10)
        op.execute(products.update().where(products.c.catalogue_number == number).values(gtin=gtin))
    with op.batch_alter_table("products") as batch_op:
        batch_op.alter_column("gtin", existing_type=sa.String(14), nullable=False)
        batch_op.drop_column("active")
        batch_op.drop_column("food_permit")
        batch_op.drop_column("shelf_life_days")
    with op.batch_alter_table("upts") as batch_op:
        batch_op.drop_column("upt_class")
        batch_op.drop_column("kind")
