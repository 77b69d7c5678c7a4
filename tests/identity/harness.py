"""The identity service under test: its real app (lifespan, seed, routes) on a SQLite file in
tmp_path and the run's Redis, called through httpx's ASGI transport.

Bearer tokens of the administration routes are verified against the app's own published
JWKS, read through the same transport: the shared verifier would fetch them over the network
from the issuer URL, and no server listens there in these tests.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import jwt
from fastapi import FastAPI

from services.identity.app import make_app
from shared.auth import Unauthorized
from shared.identity import Claims, DevCredentials, DevPrincipal
from shared.settings import Settings
from tests.backend import Backend
from tests.handlers.harness import migrated

ISSUER = "http://identity.test"


@dataclass
class Identity:
    app: FastAPI
    http: httpx.AsyncClient
    settings: Settings

    @property
    def credentials(self) -> DevCredentials:
        return DevCredentials.load(self.settings.data_dir / "credentials.json")

    async def token(self, form: dict[str, str], **kwargs: Any) -> httpx.Response:
        return await self.http.post("/oauth/token", data=form, **kwargs)

    async def sign_in(self, entry: DevPrincipal) -> dict[str, Any]:
        """The token answer for a principal of the credentials file."""
        if entry.client_id is not None:
            assert entry.client_secret is not None
            form = {"grant_type": "client_credentials"}
            response = await self.token(form, auth=(entry.client_id, entry.client_secret))
        else:
            assert entry.username is not None
            assert entry.password is not None
            form = {"grant_type": "password", "username": entry.username}
            response = await self.token({**form, "password": entry.password})
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def bearer(self, role: str = "kanwil_admin", **binding: str) -> dict[str, str]:
        entry = self.credentials.find(role, **binding)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {(await self.sign_in(entry))['access_token']}"}

    async def verify(self, token: str) -> dict[str, Any]:
        """Decode and check a token with the public key the JWKS endpoint names by its kid."""
        kid = jwt.get_unverified_header(token)["kid"]
        keys = (await self.http.get("/.well-known/jwks.json")).json()["keys"]
        [jwk] = [key for key in keys if key["kid"] == kid] or [None]
        if jwk is None:
            raise jwt.InvalidKeyError(f"no key {kid} in the JWKS")
        payload: dict[str, Any] = jwt.decode(
            token,
            jwt.PyJWK(jwk).key,
            algorithms=["EdDSA"],
            audience=self.settings.oidc_audience,
            issuer=ISSUER,
        )
        return payload


class OwnKeys:
    """`app.state.verifier` of the app under test."""

    def __init__(self) -> None:
        self.identity: Identity | None = None

    async def claims(self, token: str) -> Claims:
        assert self.identity is not None
        try:
            return Claims.from_payload(await self.identity.verify(token))
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthorized(f"invalid token: {exc}") from None


def identity_settings(backend: Backend, data_dir: Path, **changes: Any) -> Settings:
    return Settings().model_copy(
        update={
            "service": "identity",
            "redis_url": backend.redis_url,
            "data_dir": data_dir,
            "database_url": None,
            "namespace": f"t{uuid4().hex[:12]}",
            "oidc_issuer": ISSUER,
            "seed_dev_principals": True,
            **changes,
        }
    )


@asynccontextmanager
async def running_identity(settings: Settings) -> AsyncIterator[Identity]:
    await migrated("identity", settings.service_database_url())
    app = make_app(settings)
    verifier = OwnKeys()
    app.state.verifier = verifier
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=ISSUER) as http,
    ):
        verifier.identity = Identity(app, http, settings)
        yield verifier.identity
