"""Sales service: channel catalogue, orders; emits order placed and sale completed."""

from services.sales import api, db, handlers
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="sales",
    description="Channels see available stock, place orders and complete sales.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    events=handlers.events,
    seed=db.seed_channels,
)
app = create_app(spec)
