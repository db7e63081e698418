"""The development token helper and the ``token`` subcommand."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from federation.policies import cli, devtoken
from federation.policies.config import AuthenticationConfig
from federation.policies.jwks import StaticKeys
from federation.policies.jwt import Authenticator


async def test_key_is_created_once_and_tokens_verify_against_its_jwks(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    token = devtoken.sign(["read:email", "admin"], keys_dir=keys_dir)
    pem = (keys_dir / devtoken.PRIVATE_KEY_FILE).read_bytes()
    devtoken.sign([], keys_dir=keys_dir)
    assert (keys_dir / devtoken.PRIVATE_KEY_FILE).read_bytes() == pem
    assert (keys_dir / devtoken.PRIVATE_KEY_FILE).stat().st_mode & 0o077 == 0
    jwks = json.loads((keys_dir / devtoken.JWKS_FILE).read_text())
    assert jwks == devtoken.jwks(keys_dir)
    auth = Authenticator(AuthenticationConfig(jwks_file="x", issuers=(devtoken.DEV_ISSUER,)), StaticKeys(jwks))
    claims = await auth.authenticate({"authorization": f"Bearer {token}"})
    assert claims is not None and claims["scope"] == "read:email admin"


def test_token_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    keys_dir = str(tmp_path / "keys")
    args = parser.parse_args(["token", "--scopes", "a b", "c", "--claim", "hr=true", "--keys-dir", keys_dir])
    assert args.func(args) == 0
    token = capsys.readouterr().out.strip()
    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["scope"] == "a b c" and claims["hr"] is True
    args = parser.parse_args(["token", "--jwks", "--keys-dir", keys_dir])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["keys"][0]["alg"] == "ES256"


def test_tokens_expire_after_the_ttl(tmp_path: Path) -> None:
    import time

    import jwt

    claims = jwt.decode(devtoken.sign(keys_dir=tmp_path), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == int(devtoken.DEFAULT_TTL) == 12 * 3600
    short = jwt.decode(devtoken.sign(ttl=60, keys_dir=tmp_path), options={"verify_signature": False})
    assert 0 < short["exp"] - time.time() <= 60
    with pytest.raises(ValueError):
        devtoken.sign(ttl=0, keys_dir=tmp_path)


def test_token_subcommand_ttl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jwt

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["token", "--ttl", "120", "--keys-dir", str(tmp_path)])
    assert args.func(args) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120
    with pytest.raises(SystemExit):
        parser.parse_args(["token", "--ttl", "0"])
