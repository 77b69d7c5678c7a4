"""Production service: the catalogue, batches and worker codes; emits batch completed and
product changed."""

from services.production import api, db, master
from shared.service import ServiceSpec, create_app

spec = ServiceSpec(
    name="production",
    description="Workshop terminals record batches; completion assigns lots and serials. "
    "Kanwil administrators keep the catalogue of UPTs, workshops and products.",
    metadata=db.Base.metadata,
    tables=db.delivery,
    router=api.router,
    seed=master.seed_catalogue,
)
app = create_app(spec)
