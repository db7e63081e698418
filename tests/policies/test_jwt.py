"""JWT authentication: algorithms, claims checks, token sources, JWKS from file and URL."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, OKPAlgorithm, RSAAlgorithm

from federation.errors import UNAUTHENTICATED, RequestError
from federation.policies.config import AuthenticationConfig
from federation.policies.jwks import FileKeys, StaticKeys, UrlKeys
from federation.policies.jwt import Authenticator

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
SECRET = b"0123456789abcdef0123456789abcdef"


def jwk(kid: str, algorithm: str) -> dict[str, Any]:
    if algorithm.startswith("RS"):
        data = json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key()))
    elif algorithm == "ES256":
        data = json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key()))
    elif algorithm == "EdDSA":
        data = json.loads(OKPAlgorithm.to_jwk(ED_KEY.public_key()))
    else:
        data = json.loads(HMACAlgorithm.to_jwk(SECRET))
    data["kid"] = kid
    return data


def signing_key(algorithm: str) -> Any:
    return {"RS256": RSA_KEY, "ES256": EC_KEY, "EdDSA": ED_KEY, "HS256": SECRET}[algorithm]


JWKS = {"keys": [jwk("rsa", "RS256"), jwk("ec", "ES256"), jwk("ed", "EdDSA"), jwk("hs", "HS256")]}
KID = {"RS256": "rsa", "ES256": "ec", "EdDSA": "ed", "HS256": "hs"}


def token(algorithm: str = "RS256", kid: str | None = "default", **claims: Any) -> str:
    payload = {"sub": "u1", "exp": int(time.time()) + 60, **claims}
    headers = {"kid": KID[algorithm] if kid == "default" else kid} if kid is not None else {}
    return jwt.encode(payload, signing_key(algorithm), algorithm=algorithm, headers=headers)


def authenticator(**config: Any) -> Authenticator:
    return Authenticator(AuthenticationConfig(jwks_file="unused", **config), StaticKeys(JWKS))


async def refused(auth: Authenticator, headers: dict[str, str]) -> RequestError:
    with pytest.raises(RequestError) as info:
        await auth.authenticate(headers)
    assert info.value.code == UNAUTHENTICATED
    assert info.value.status == 401
    return info.value


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA", "HS256"])
async def test_each_algorithm_verifies(algorithm: str) -> None:
    claims = await authenticator().authenticate({"authorization": f"Bearer {token(algorithm)}"})
    assert claims is not None and claims["sub"] == "u1"


async def test_kidless_tokens_try_every_key_of_their_type() -> None:
    claims = await authenticator().authenticate({"authorization": f"Bearer {token('ES256', kid=None)}"})
    assert claims is not None


async def test_no_token_is_anonymous() -> None:
    assert await authenticator().authenticate({}) is None
    assert await Authenticator(AuthenticationConfig()).authenticate({"authorization": "Bearer x"}) is None


async def test_bad_tokens_are_refused() -> None:
    auth = authenticator()
    await refused(auth, {"authorization": "Bearer not-a-jwt"})
    await refused(auth, {"authorization": f"Basic {token()}"})
    await refused(auth, {"authorization": f"Bearer {token(kid='unknown')}"})
    await refused(auth, {"authorization": f"Bearer {token(exp=int(time.time()) - 10)}"})
    await refused(auth, {"authorization": f"Bearer {token(nbf=int(time.time()) + 100)}"})
    forged = jwt.encode({"sub": "u1"}, rsa.generate_private_key(65537, 2048), "RS256", headers={"kid": "rsa"})
    await refused(auth, {"authorization": f"Bearer {forged}"})
    unsigned = jwt.encode({"sub": "u1"}, None, algorithm="none")
    error = await refused(auth, {"authorization": f"Bearer {unsigned}"})
    assert "algorithm" in error.message


def no_exp_token() -> str:
    return jwt.encode({"sub": "u1"}, signing_key("RS256"), algorithm="RS256", headers={"kid": "rsa"})


async def test_exp_is_required_by_default() -> None:
    error = await refused(authenticator(), {"authorization": f"Bearer {no_exp_token()}"})
    assert '"exp"' in error.message  # the message names the missing claim
    assert await authenticator().authenticate({"authorization": f"Bearer {token()}"}) is not None


async def test_required_claims_are_configurable() -> None:
    auth = authenticator(required_claims=("exp", "sub", "tenant"))
    error = await refused(auth, {"authorization": f"Bearer {token()}"})
    assert '"tenant"' in error.message
    assert await auth.authenticate({"authorization": f"Bearer {token(tenant='t1')}"}) is not None
    # An empty list lets a token without exp through (its other checks still apply).
    open_auth = authenticator(required_claims=())
    assert await open_auth.authenticate({"authorization": f"Bearer {no_exp_token()}"}) is not None
    await refused(open_auth, {"authorization": f"Bearer {token(exp=int(time.time()) - 10)}"})


def test_required_claims_default_and_decoding() -> None:
    from federation.policies.config import policies_config_from_dict

    assert AuthenticationConfig().required_claims == ("exp",)
    decoded = policies_config_from_dict({"authentication": {"required_claims": []}})
    assert decoded.authentication.required_claims == ()
    one = policies_config_from_dict({"authentication": {"required_claims": "sub"}})
    assert one.authentication.required_claims == ("sub",)


async def test_algorithms_can_be_restricted() -> None:
    auth = authenticator(algorithms=("ES256",))
    await refused(auth, {"authorization": f"Bearer {token('HS256')}"})


async def test_leeway_accepts_recently_expired_tokens() -> None:
    expired = token(exp=int(time.time()) - 5)
    assert await authenticator(leeway=30).authenticate({"authorization": f"Bearer {expired}"}) is not None


async def test_issuer_and_audience() -> None:
    auth = authenticator(issuers=("https://a", "https://b"), audiences=("gateway",))
    good = token(iss="https://b", aud="gateway")
    assert await auth.authenticate({"authorization": f"Bearer {good}"}) is not None
    await refused(auth, {"authorization": f"Bearer {token(iss='https://c', aud='gateway')}"})
    await refused(auth, {"authorization": f"Bearer {token(iss='https://a', aud='other')}"})
    await refused(auth, {"authorization": f"Bearer {token(aud='gateway')}"})
    # Without configured audiences, a token's aud is not checked.
    assert await authenticator().authenticate({"authorization": f"Bearer {token(aud='x')}"}) is not None


async def test_header_name_prefix_and_cookie() -> None:
    auth = authenticator(header_name="X-Token", header_prefix="", cookie="session")
    assert await auth.authenticate({"x-token": token()}) is not None
    assert await auth.authenticate({"cookie": f"theme=dark; session={token()}"}) is not None
    assert await auth.authenticate({"cookie": "theme=dark"}) is None


async def test_file_keys_reload_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk("ec", "ES256")]}))
    keys = FileKeys(path)
    auth = Authenticator(AuthenticationConfig(jwks_file=str(path)), keys)
    assert await auth.authenticate({"authorization": f"Bearer {token('ES256')}"}) is not None
    await refused(auth, {"authorization": f"Bearer {token('RS256')}"})
    path.write_text(json.dumps(JWKS))
    import os

    os.utime(path, (time.time() + 5, time.time() + 5))
    keys._checked = 0.0  # skip the once-a-second throttle
    assert await auth.authenticate({"authorization": f"Bearer {token('RS256')}"}) is not None


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        FileKeys(tmp_path / "missing.json")


async def test_url_keys_are_cached_and_refreshed_on_unknown_kid() -> None:
    served: list[dict[str, Any]] = [{"keys": [jwk("ec", "ES256")]}]
    requests = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        return httpx.Response(200, json=served[-1])

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    keys = UrlKeys("http://127.0.0.1/jwks", client=client, min_refresh_interval=0.0, poll_interval=0)
    auth = Authenticator(AuthenticationConfig(jwks_url="http://127.0.0.1/jwks"), keys)
    for _ in range(3):
        assert await auth.authenticate({"authorization": f"Bearer {token('ES256')}"}) is not None
    assert requests == 1
    served.append(JWKS)  # key rotation: a new kid appears
    assert await auth.authenticate({"authorization": f"Bearer {token('RS256')}"}) is not None
    assert requests == 2
    await client.aclose()


async def test_unknown_kids_refresh_at_most_once_per_interval() -> None:
    requests = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        return httpx.Response(200, json=JWKS)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    keys = UrlKeys("http://127.0.0.1/jwks", client=client, min_refresh_interval=3600, poll_interval=0)
    auth = Authenticator(AuthenticationConfig(jwks_url="http://127.0.0.1/jwks"), keys)
    for i in range(5):
        await refused(auth, {"authorization": f"Bearer {token(kid=f'forged{i}')}"})
    assert requests == 1
    await client.aclose()


async def test_url_failure_keeps_old_keys_and_refuses_tokens_it_cannot_check() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    keys = UrlKeys("http://127.0.0.1/jwks", client=client, poll_interval=0)
    auth = Authenticator(AuthenticationConfig(jwks_url="http://127.0.0.1/jwks"), keys)
    await refused(auth, {"authorization": f"Bearer {token()}"})
    await client.aclose()


async def test_url_keys_poll_in_the_background() -> None:
    requests = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        return httpx.Response(200, json=JWKS)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    keys = UrlKeys("http://127.0.0.1/jwks", client=client, poll_interval=0.01)
    await keys.start()
    import asyncio

    for _ in range(200):  # bounded wait for two polls
        if requests >= 2:
            break
        await asyncio.sleep(0.01)
    await keys.aclose()
    assert requests >= 2
    await client.aclose()
