"""Sales service: channel catalogue, orders and returns; emits order placed, sale completed,
order cancelled (by a channel, or by the reservation expiry job) and goods returned."""

from services.sales import api, db, handlers, jobs
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="sales",
    description="Channels see available stock, place orders and complete sales.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    events=handlers.events,
    seed=db.seed_channels,
    jobs=(jobs.EXPIRY,),
)
app = create_app(spec)
