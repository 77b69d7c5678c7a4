"""A token verified once is not verified again until it expires; a bad one never passes."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import Unauthorized, Verifier
from shared.identity import Claims

ISSUER, AUDIENCE = "http://issuer.test", "jejak"


def signed(key: Ed25519PrivateKey, **claims: object) -> str:
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "terminal-clg-spt",
        "exp": int(time.time()) + 900,
        "role": "terminal",
        "workshop": "CLG-SPT",
    }
    return jwt.encode(payload | claims, key, algorithm="EdDSA", headers={"kid": "k1"})


def verifier_knowing(key: Ed25519PrivateKey) -> Verifier:
    """A verifier whose cached JWKS holds `key` (as after its first fetch from the issuer)."""
    verifier = Verifier(ISSUER, AUDIENCE)
    jwk = jwt.PyJWK.from_dict(
        {**jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1"}
    )
    verifier._keys = {"k1": jwk}
    verifier._fetched_at = time.monotonic()
    return verifier


async def test_a_valid_token_gives_its_claims_and_is_remembered_until_it_expires() -> None:
    key = Ed25519PrivateKey.generate()
    verifier, token = verifier_knowing(key), signed(key)

    claims = await verifier.claims(token)

    assert claims == Claims(role="terminal", sub="terminal-clg-spt", workshop="CLG-SPT")
    assert verifier._verified[token][0] == claims


async def test_a_token_signed_by_another_key_is_refused_and_not_remembered() -> None:
    verifier = verifier_knowing(Ed25519PrivateKey.generate())
    forged = signed(Ed25519PrivateKey.generate())

    with pytest.raises(Unauthorized, match="invalid token"):
        await verifier.claims(forged)
    assert forged not in verifier._verified


async def test_an_expired_token_is_refused() -> None:
    key = Ed25519PrivateKey.generate()

    with pytest.raises(Unauthorized, match="expired"):
        await verifier_knowing(key).claims(signed(key, exp=int(time.time()) - 5))


class BrokenIssuer(BaseHTTPRequestHandler):
    """An issuer whose discovery document is fine and whose JWKS holds no usable key."""

    def do_GET(self) -> None:
        host = f"http://{self.headers['Host']}"
        documents = {
            "/.well-known/openid-configuration": {"jwks_uri": f"{host}/jwks"},
            "/jwks": {"keys": [{"kty": "OKP", "crv": "X9", "kid": "k1"}]},
        }
        body = json.dumps(documents.get(self.path, {})).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


async def test_an_issuer_publishing_no_usable_key_is_a_401_not_a_crash() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BrokenIssuer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        verifier = Verifier(f"http://127.0.0.1:{server.server_port}", AUDIENCE)
        with pytest.raises(Unauthorized, match="publishes no usable key"):
            await verifier.claims(signed(Ed25519PrivateKey.generate()))
    finally:
        server.shutdown()
        server.server_close()
