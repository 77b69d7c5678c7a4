"""Identity service: who may sign in (terminals, channels, officers, administrators) and the
tokens that say so; the other services only verify its signatures with its published keys."""

from fastapi import FastAPI

from services.identity import api, db
from services.identity.oauth import OAuthError, oauth_error_handler
from services.identity.seed import Seed
from shared.service import ServiceSpec, create_app
from shared.settings import Settings


def make_spec(settings: Settings) -> ServiceSpec:
    return ServiceSpec(
        name="identity",
        description="OAuth 2.0 token endpoint, OpenID Connect discovery and signing keys; "
        "principals (terminals, channel clients, officers, administrators) and their roles.",
        metadata=db.Base.metadata,
        tables=db.delivery,
        router=api.router,
        seed=Seed(settings),
    )


def make_app(settings: Settings) -> FastAPI:
    app = create_app(make_spec(settings), settings)
    app.add_exception_handler(OAuthError, oauth_error_handler)
    return app


settings = Settings()
spec = make_spec(settings)
app = make_app(settings)
