"""Development tokens: sign JWTs with a local key so GraphiQL users can try the authorization rules.

The key (EC P-256, ES256) is generated on first use into ``.demo/keys/`` (git-ignored) and its
public half is written next to it as ``jwks.json``: point ``policies.authentication.jwks_file`` at
that file, or serve it, and tokens from ``federation token --scopes "read:email admin"`` verify.
Never use this key for anything but local development.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

DEFAULT_KEYS_DIR = Path(".demo") / "keys"
PRIVATE_KEY_FILE = "dev-signing-key.pem"
JWKS_FILE = "jwks.json"
DEV_ISSUER = "federation-dev"
# Tokens carry exp (the gateway requires it by default); half a day outlasts a session in GraphiQL.
DEFAULT_TTL = 12 * 3600.0


def _kid(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint, so the kid changes when the key does."""
    import base64
    import hashlib

    canonical = json.dumps({k: public_jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def ensure_key(keys_dir: str | Path = DEFAULT_KEYS_DIR) -> ec.EllipticCurvePrivateKey:
    """The development private key, created (with its JWKS) if it does not exist yet."""
    directory = Path(keys_dir)
    path = directory / PRIVATE_KEY_FILE
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an EC private key")
        if not (directory / JWKS_FILE).exists():
            _write_jwks(directory, key)
        return key
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    _write_jwks(directory, key)
    return key


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"use": "sig", "alg": "ES256"})
    jwk["kid"] = _kid(jwk)
    return jwk


def jwks(keys_dir: str | Path = DEFAULT_KEYS_DIR) -> dict[str, Any]:
    """The public JWKS of the development key (what the demo serves)."""
    return {"keys": [public_jwk(ensure_key(keys_dir))]}


def _write_jwks(directory: Path, key: ec.EllipticCurvePrivateKey) -> None:
    (directory / JWKS_FILE).write_text(json.dumps({"keys": [public_jwk(key)]}, indent=2) + "\n", encoding="utf-8")


def jwks_path(keys_dir: str | Path = DEFAULT_KEYS_DIR) -> Path:
    ensure_key(keys_dir)
    return Path(keys_dir) / JWKS_FILE


def sign(
    scopes: list[str] | tuple[str, ...] = (),
    *,
    subject: str = "dev-user",
    ttl: float = DEFAULT_TTL,
    issuer: str | None = DEV_ISSUER,
    audience: str | None = None,
    claims: dict[str, Any] | None = None,
    keys_dir: str | Path = DEFAULT_KEYS_DIR,
) -> str:
    """A token for ``subject`` with ``scope`` set to the given scopes (space-separated, OAuth style)."""
    if ttl <= 0:
        raise ValueError(f"ttl must be positive, got {ttl}")
    key = ensure_key(keys_dir)
    now = int(time.time())
    payload: dict[str, Any] = {"sub": subject, "iat": now, "exp": now + int(ttl), "jti": uuid.uuid4().hex}
    if scopes:
        payload["scope"] = " ".join(scopes)
    if issuer:
        payload["iss"] = issuer
    if audience:
        payload["aud"] = audience
    payload.update(claims or {})
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": public_jwk(key)["kid"]})
