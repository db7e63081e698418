"""GraphiQL's token helper: ``POST /graphql/dev-token`` signs development tokens, for loopback clients
only and only when ``http.graphiql_dev_token_keys`` names the key folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from http_fakes import FakeGateway

from federation.config import AuthenticationConfig, HttpConfig
from federation.http import create_app
from federation.policies import devtoken
from federation.policies.jwks import StaticKeys
from federation.policies.jwt import Authenticator


async def _client(keys: Path | None, address: str) -> httpx.AsyncClient:
    app = create_app(FakeGateway(), HttpConfig(graphiql_dev_token_keys=str(keys) if keys else None))
    transport = httpx.ASGITransport(app=app, client=(address, 5555))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(tmp_path, "127.0.0.1") as c:
        yield c


async def test_a_loopback_client_gets_a_token_that_verifies_with_the_dev_key(
        local: httpx.AsyncClient, tmp_path: Path) -> None:
    r = await local.post("/graphql/dev-token", json={"scopes": ["read:inventory"], "claims": {"roles": ["owner"]}})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    token = r.json()["token"]
    auth = Authenticator(AuthenticationConfig(jwks_file="x", issuers=(devtoken.DEV_ISSUER,)),
                         StaticKeys(devtoken.jwks(tmp_path)))
    claims = await auth.authenticate({"authorization": f"Bearer {token}"})
    assert claims is not None
    assert (claims["scope"], claims["roles"], claims["iss"]) == ("read:inventory", ["owner"], devtoken.DEV_ISSUER)
    assert jwt.get_unverified_header(token)["alg"] == "ES256"


async def test_an_empty_body_is_a_token_without_scopes(local: httpx.AsyncClient) -> None:
    r = await local.post("/graphql/dev-token", content=b"", headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert "scope" not in jwt.decode(r.json()["token"], options={"verify_signature": False})


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "BAD_REQUEST"),
        (b"[]", 400, "BAD_REQUEST"),
        (b'{"scopes": "read:inventory"}', 400, "BAD_REQUEST"),
        (b'{"scopes": ["two words"]}', 400, "BAD_REQUEST"),
        (b'{"claims": ["roles"]}', 400, "BAD_REQUEST"),
        (b'{"scopes": [' + b",".join([b'"s"'] * 65) + b"]}", 400, "BAD_REQUEST"),
        (b'{"claims": {"pad": "' + b"x" * 20_000 + b'"}}', 413, "PAYLOAD_TOO_LARGE"),
    ],
)
async def test_bad_requests_get_a_coded_error(local: httpx.AsyncClient, body: bytes, status: int, code: str) -> None:
    r = await local.post("/graphql/dev-token", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert r.json()["errors"][0]["extensions"]["code"] == code


async def test_only_json_posts(local: httpx.AsyncClient) -> None:
    # A form post could come from any page the developer visits: JSON needs CORS preflight.
    form = await local.post("/graphql/dev-token", content=b"scopes=admin",
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert (form.status_code, form.json()["errors"][0]["extensions"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    got = await local.get("/graphql/dev-token")
    assert (got.status_code, got.headers["allow"]) == (405, "POST")


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7", "2001:db8::1", "not-an-address"])
async def test_other_clients_find_nothing(tmp_path: Path, address: str) -> None:
    async with await _client(tmp_path, address) as c:
        assert (await c.post("/graphql/dev-token", json={})).status_code == 404
    assert not (tmp_path / devtoken.PRIVATE_KEY_FILE).exists()


async def test_off_by_default(tmp_path: Path) -> None:
    async with await _client(None, "127.0.0.1") as c:
        assert (await c.post("/graphql/dev-token", json={})).status_code == 404
