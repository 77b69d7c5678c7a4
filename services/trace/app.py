"""Trace service: a read model of every stream; answers GET /trace/{code}."""

from services.trace import api, db, handlers
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="trace",
    description="Lineage of units and lots for buyers, galleries and recalls.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    events=handlers.events,
)
app = create_app(spec)
