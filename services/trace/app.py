"""Trace service: a read model of every stream; answers GET /trace/{code}, the Digital Links,
/epcis/events and the recall report."""

from fastapi import APIRouter

from services.trace import api, db, epcis_api, handlers, recall_api
from shared.service import ServiceSpec, create_app

router = APIRouter()
router.include_router(api.router)
router.include_router(epcis_api.router)
router.include_router(recall_api.router)

spec = ServiceSpec(
    name="trace",
    description="Lineage of units and lots for buyers, galleries and recalls.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=router,
    events=handlers.events,
)
app = create_app(spec)
