"""Inventory service: append-only stock ledger, reservations; emits stock changes."""

from services.inventory import api, db, expiry, handlers, locations
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="inventory",
    description="Receives passed goods, reserves stock for orders, books sales out.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    events=handlers.events,
    jobs=(expiry.EXPIRY,),
    seed=locations.seed_locations,
)
app = create_app(spec)
