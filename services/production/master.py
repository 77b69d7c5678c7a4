"""Production's catalogue as master data: what an administrator may write (the specs), the rules
a change must keep, and the store that reads and writes the catalogue's tables.

Batches read the catalogue through this store on every request (one joined primary-key read),
so a change is seen at once by every replica; nothing is cached in a process. A product added
or changed is announced as product-changed through the outbox, with its whole state.
"""

from collections.abc import Mapping, Sequence
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.production import catalogue
from services.production.catalogue import Family, FoodPermit, Origin, UptClass, UptKind
from services.production.db import BatchRow, ProductRow, UptRow, WorkshopRow
from services.production.domain import INTERNAL_GTIN_PREFIX
from shared.contracts import ProductChanged, Sku, UptCode, WorkshopCode
from shared.errors import NotFound, Rejected
from shared.gs1 import gtin_problem
from shared.imports import Written
from shared.inputs import SHORT_LENGTH, Name, Text
from shared.uow import UnitOfWork


class UptSpec(BaseModel):
    """A UPT (correctional unit) as an administrator writes it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, from_attributes=True)
    code: UptCode
    name: Name = Field(examples=["Lapas Kelas IIA Cilegon"])
    kind: UptKind
    upt_class: UptClass = Field(alias="class", description="The UPT's class: I, IIA, IIB, III.")


class WorkshopSpec(BaseModel):
    """A workshop of a UPT and the product families it makes."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)
    code: WorkshopCode
    upt_code: UptCode
    name: Name = Field(examples=["Bengkel mebel dan las"])
    families: list[Family] = Field(min_length=1, max_length=6, examples=[["KYU"]])

    @field_validator("families", mode="before")
    @classmethod
    def from_column(cls, value: object) -> object:
        """The table keeps families comma-separated."""
        return value.split(",") if isinstance(value, str) else value

    @field_validator("families")
    @classmethod
    def no_repeats(cls, families: list[Family]) -> list[Family]:
        if len(set(families)) != len(families):
            raise ValueError("a family is listed twice")
        return families


class ProductSpec(BaseModel):
    """A product as an administrator writes it; its internal GTIN is production's to give."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)
    sku: Sku
    name: Name = Field(examples=["Kursi jati"])
    upt_code: UptCode
    family: Family
    tracking: Literal["unit", "lot"]
    unit_of_measure: Text = Field(min_length=1, max_length=16, examples=["unit"])
    price_idr: StrictInt = Field(ge=0, le=1_000_000_000)
    gtin: Text | None = Field(
        None,
        max_length=SHORT_LENGTH,
        description="Its own GTIN-14 (check digit checked); empty: the internal code.",
    )
    shelf_life_days: StrictInt | None = Field(None, ge=1, le=3650, description="Food and produce.")
    food_permit: FoodPermit | None = Field(None, description="Processed food: spp-irt, bpom-md.")
    active: StrictBool = True


class ProductView(ProductSpec):
    label_gtin: str = Field(description="The GTIN on its labels: its own or the internal code.")
    catalogue_number: int = Field(description="Makes the internal GTIN; never changes.")


class Catalogue:
    """The catalogue's tables: reads for batches, checked writes for administrators."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ reads
    async def origin(self, workshop_code: str, sku: str, *, opening: bool = False) -> Origin:
        """The product as made in that workshop; a clear refusal when it is not made there,
        or when a batch is opening of a product no longer made."""
        query = (  # one round trip: a batch request reads the catalogue every time
            select(WorkshopRow, UptRow, ProductRow)
            .join(UptRow, UptRow.code == WorkshopRow.upt_code)
            .outerjoin(ProductRow, ProductRow.sku == sku)
            .where(WorkshopRow.code == workshop_code)
        )
        found = (await self.session.execute(query)).first()
        if found is None:
            raise Rejected("workshop_code", f"unknown workshop {workshop_code!r}")
        workshop, upt, product = found._tuple()
        if product is None:
            raise Rejected("sku", f"unknown product {sku!r}")
        if opening and not product.active:
            raise Rejected("sku", f"{sku} is no longer made (inactive in the catalogue)")
        return catalogue.made_in(
            _workshop(workshop), _product(product), _upt(upt), product.label_gtin
        )

    async def product(self, sku: str) -> ProductRow:
        product = await self.session.get(ProductRow, sku)
        if product is None:
            raise NotFound("sku", f"no product {sku}")
        return product

    async def workshop(self, code: str) -> WorkshopRow:
        workshop = await self.session.get(WorkshopRow, code)
        if workshop is None:
            raise NotFound("code", f"no workshop {code}")
        return workshop

    async def upt(self, code: str) -> UptRow:
        upt = await self.session.get(UptRow, code)
        if upt is None:
            raise NotFound("code", f"no UPT {code}")
        return upt

    async def upts(self) -> Sequence[UptRow]:
        return (await self.session.scalars(select(UptRow).order_by(UptRow.code))).all()

    async def workshops(self) -> Sequence[WorkshopRow]:
        return (await self.session.scalars(select(WorkshopRow).order_by(WorkshopRow.code))).all()

    async def products(self) -> Sequence[ProductRow]:
        query = select(ProductRow).order_by(ProductRow.catalogue_number)
        return (await self.session.scalars(query)).all()

    # ------------------------------------------------------------------ writes
    async def put_upt(self, spec: UptSpec) -> Written:
        values = {"name": spec.name, "kind": spec.kind, "upt_class": spec.upt_class}
        row = await self.session.get(UptRow, spec.code, with_for_update=True)
        if row is None:
            self.session.add(UptRow(code=spec.code, **values))
            return "created"
        return _update(row, values)

    async def put_workshop(self, spec: WorkshopSpec) -> Written:
        if await self.session.get(UptRow, spec.upt_code) is None:
            raise Rejected("upt_code", f"unknown UPT {spec.upt_code!r}")
        if not spec.code.startswith(f"{spec.upt_code}-"):
            raise Rejected("code", f"a workshop of {spec.upt_code} has a code {spec.upt_code}-...")
        values = {"upt_code": spec.upt_code, "name": spec.name, "families": ",".join(spec.families)}
        row = await self.session.get(WorkshopRow, spec.code, with_for_update=True)
        if row is None:
            self.session.add(WorkshopRow(code=spec.code, **values))
            return "created"
        return _update(row, values)

    async def put_product(self, spec: ProductSpec) -> tuple[Written, ProductRow]:
        """Add or change a product; the same spec again changes nothing."""
        await self._check_product(spec)
        values = spec.model_dump(exclude={"sku"})
        row = await self.session.get(ProductRow, spec.sku, with_for_update=True)
        if row is None:
            number = await self.session.scalar(select(func.max(ProductRow.catalogue_number)))
            row = ProductRow(sku=spec.sku, catalogue_number=(number or 0) + 1, **values)
            self.session.add(row)
            await self.session.flush()
            return "created", row
        await self._check_made_facts(row, spec)
        return _update(row, values), row

    async def check_not_moved(self, spec: ProductSpec) -> None:
        """A spec that leaves a product's UPT and tracking as they are (imports ask this unless
        told to allow moves); a new product moves nothing."""
        row = await self.session.get(ProductRow, spec.sku)
        for field, moved in (("upt_code", "moves it to"), ("tracking", "changes it to")):
            now, asked = (getattr(row, field), getattr(spec, field)) if row else (None, None)
            if now != asked:
                raise Rejected(
                    field,
                    f"{spec.sku} is {now!r} now; this row {moved} {asked!r}: "
                    "import with allow_moves (--allow-moves) to do so",
                )

    async def _check_product(self, spec: ProductSpec) -> None:
        prefix = spec.sku.split("-")[0]
        if spec.family != prefix:
            raise Rejected("family", f"{spec.sku} is of family {prefix}, not {spec.family}")
        if await self.session.get(UptRow, spec.upt_code) is None:
            raise Rejected("upt_code", f"unknown UPT {spec.upt_code!r}")
        workshops = await self.session.scalars(
            select(WorkshopRow.families).where(WorkshopRow.upt_code == spec.upt_code)
        )
        if not any(spec.family in families.split(",") for families in workshops):
            raise Rejected("family", f"no workshop of {spec.upt_code} makes {spec.family}")
        if spec.food_permit is not None and spec.shelf_life_days is None:
            raise Rejected("shelf_life_days", "a food with a permit needs its shelf life")
        if spec.gtin is not None:
            await self._check_gtin(spec.sku, spec.gtin)

    async def _check_gtin(self, sku: str, gtin: str) -> None:
        if problem := gtin_problem(gtin):
            raise Rejected("gtin", problem)
        if gtin[1:3] == INTERNAL_GTIN_PREFIX:
            raise Rejected("gtin", "prefix 02 is restricted circulation: Jejak's internal codes")
        taken = await self.session.scalar(
            select(ProductRow.sku).where(ProductRow.gtin == gtin, ProductRow.sku != sku)
        )
        if taken is not None:
            raise Rejected("gtin", f"{gtin} is already the GTIN of {taken}")

    async def _check_made_facts(self, row: ProductRow, spec: ProductSpec) -> None:
        """What batches and labels already carry stays as it was once a batch exists."""
        fixed = [
            f
            for f in ("upt_code", "family", "tracking", "gtin")
            if getattr(row, f) != getattr(spec, f)
        ]
        if not fixed:
            return
        made = await self.session.scalar(
            select(BatchRow.batch_id).where(BatchRow.sku == row.sku).limit(1)
        )
        if made is not None:
            field = fixed[0]
            raise Rejected(
                field, f"{row.sku} has batches already: its {field} stays {getattr(row, field)!r}"
            )


def product_changed(row: ProductRow, correlation_id: UUID | None = None) -> ProductChanged:
    """The product's whole state, as announced."""
    return ProductChanged.new(
        source=row, product_name=row.name, gtin=row.label_gtin, correlation_id=correlation_id
    )


def _update(row: object, values: Mapping[str, object]) -> Written:
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    return "updated" if changed else "unchanged"


def _upt(row: UptRow) -> catalogue.Upt:
    return catalogue.Upt(row.code, row.name, row.kind, row.upt_class)  # type: ignore[arg-type]


def _workshop(row: WorkshopRow) -> catalogue.Workshop:
    families = tuple(row.families.split(","))
    return catalogue.Workshop(row.code, row.upt_code, row.name, families)  # type: ignore[arg-type]


def _product(row: ProductRow) -> catalogue.Product:
    return catalogue.Product(**ProductSpec.model_validate(row).model_dump())


async def seed_catalogue(uow: UnitOfWork) -> None:
    """Insert the seed (services/production/catalogue.py) into a new database and announce each
    product once; later starts leave the catalogue as administrators made it."""
    session = uow.session
    if await session.scalar(select(UptRow.code).limit(1)) is not None:
        return
    session.add_all(
        UptRow(code=u.code, name=u.name, kind=u.kind, upt_class=u.upt_class) for u in catalogue.UPTS
    )
    await session.flush()
    session.add_all(
        WorkshopRow(code=w.code, upt_code=w.upt_code, name=w.name, families=",".join(w.families))
        for w in catalogue.WORKSHOPS
    )
    products = [
        ProductRow(
            **ProductSpec.model_validate(p).model_dump(),
            catalogue_number=catalogue.CATALOGUE_NUMBER[p.sku],
        )
        for p in catalogue.PRODUCTS
    ]
    session.add_all(products)
    uow.emit(*(product_changed(row) for row in products))
