"""Production service: the catalogue, batches and worker codes; emits batch completed."""

from services.production import api, db
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="production",
    description="Workshop terminals record batches; completion assigns lots and serials.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    seed=db.seed_catalogue,
)
app = create_app(spec)
