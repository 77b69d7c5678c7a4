"""Quality service: inspections of completed batches and QC sign-off; emits batch signed off."""

from services.quality import api, db, handlers, permits
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="quality",
    description="QC officers sign batches off with defect codes of the product's family.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    events=handlers.events,
    seed=permits.seed_demo,
)
app = create_app(spec)
