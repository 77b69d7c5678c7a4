"""Sales service: channel catalogue, orders and returns; emits order placed, sale completed,
order cancelled (by a channel, or by the reservation expiry job) and goods returned."""

from fastapi import APIRouter

from services.sales import api, channel_api, channels, db, handlers, jobs, webhooks
from shared.service import ServiceSpec, create_app

router = APIRouter()
router.include_router(api.router)
router.include_router(channel_api.router)

spec = ServiceSpec(
    name="sales",
    description="Channels see available stock, place orders and complete sales.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=router,
    events=handlers.events,
    seed=channels.seed_channels,
    jobs=(jobs.EXPIRY, webhooks.WEBHOOKS),
)
app = create_app(spec)
