"""The trace's JSON as its OpenAPI document describes it (GET /trace/{code}, a Digital Link
asked for JSON): timeline.trace_document builds it from rows, these models only say its shape,
so that a client (and the schemathesis run) can check the answers. A step carries its event's
data besides what every step has; the public view leaves out buyers, orders and free text."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TraceStep(BaseModel):
    model_config = ConfigDict(extra="allow")

    biz_step: str = Field(examples=["commissioning"], description="EPCIS bizStep")
    disposition: str = Field(examples=["active"], description="EPCIS disposition")
    occurred_at: str = Field(description="ISO 8601, with its offset")
    lot_code: str


class TraceProduct(BaseModel):
    sku: str
    name: str
    gtin: str
    tracking: Literal["unit", "lot"]
    quantity: int
    unit_of_measure: str
    upt_code: str
    upt_name: str
    workshop_code: str
    workshop_name: str


class TraceUnit(BaseModel):
    serial: str
    status: str = Field(examples=["in_stock"])
    buyer_ref: str | None = Field(None, description="The administrators' trace only.")


class TracePermit(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str
    number: str
    issuer: str | None = None
    expires_on: str


class TraceFood(BaseModel):
    production_date: str | None
    best_before: str | None
    permits: list[TracePermit]


class TraceDocument(BaseModel):
    """A unit's trace (kind unit: its serial and status) or a lot's (kind lot: its units and,
    for its administrators, its buyers)."""

    code: str
    kind: Literal["unit", "lot"]
    lot_code: str
    product: TraceProduct | None = Field(description="None until the lot's production event.")
    digital_link: str | None
    timeline: list[TraceStep]
    serial: str | None = None
    status: str | None = None
    food: TraceFood | None = None
    units: list[TraceUnit] | None = None
    buyers: list[dict[str, object]] | None = Field(
        None, description="The administrators' trace of a lot only: its recall list."
    )
