"""Inventory service: append-only stock ledger, reservations; emits stock changes."""

from services.inventory import api, db, handlers, locations
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="inventory",
    description="Receives passed goods, reserves stock for orders, books sales out.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    events=handlers.events,
    seed=locations.seed_locations,
)
app = create_app(spec)
