"""Fetch GraphiQL's browser build at install time, so the gateway serves it with no CDN.

    python -m federation.http.graphiql_assets [--force] [--dir DIR]

Runs ``npm pack`` for pinned versions of graphiql (UMD build), react and react-dom, GraphiQL's
explorer plugin (the version that matches graphiql's ``@graphiql/react``) and graphql-ws's browser
client (subscriptions), and copies the few files the page needs (and the packages' licences) into
``federation/http/static/``.
A ``manifest.json`` written last records the versions; when it matches, nothing is fetched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES: dict[str, str] = {
    "graphiql": "3.9.0",
    "react": "18.3.1",
    "react-dom": "18.3.1",
    "@graphiql/plugin-explorer": "3.2.6",  # peer @graphiql/react ^0.29, as graphiql 3.9.0 has
    "graphql-ws": "6.4.2",
}

_JS = "text/javascript; charset=utf-8"
# Served name -> (package, path inside its tarball, content type).
ASSETS: dict[str, tuple[str, str, str]] = {
    "react.production.min.js": ("react", "package/umd/react.production.min.js", _JS),
    "react-dom.production.min.js": ("react-dom", "package/umd/react-dom.production.min.js", _JS),
    "graphiql.min.js": ("graphiql", "package/graphiql.min.js", _JS),
    "graphiql.min.css": ("graphiql", "package/graphiql.min.css", "text/css; charset=utf-8"),
    "plugin-explorer.umd.js": ("@graphiql/plugin-explorer", "package/dist/index.umd.js", _JS),
    "plugin-explorer.css": ("@graphiql/plugin-explorer", "package/dist/style.css", "text/css; charset=utf-8"),
    "graphql-ws.min.js": ("graphql-ws", "package/umd/graphql-ws.min.js", _JS),
}
MANIFEST = "manifest.json"
NPM_TIMEOUT = 300.0


def static_dir() -> Path:
    return Path(__file__).resolve().parent / "static"


def installed(directory: Path) -> bool:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("packages") == PACKAGES and all((directory / name).is_file() for name in ASSETS)


def install(directory: Path, *, force: bool = False, npm: str = "npm") -> bool:
    """Fetch and unpack the assets; False (with a message on stderr) when npm cannot get them."""
    if not force and installed(directory):
        return True
    if shutil.which(npm) is None:
        print(
            f"graphiql assets: {npm!r} not found; GraphiQL will show install instructions.", file=sys.stderr
        )
        return False
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    env = {
        **os.environ,
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_update_notifier": "false",
    }
    with tempfile.TemporaryDirectory(prefix="graphiql-assets-") as tmp:
        try:
            subprocess.run(
                [npm, "pack", *specs, "--silent"],
                cwd=tmp,
                env=env,
                check=True,
                timeout=NPM_TIMEOUT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            print(
                f"graphiql assets: npm pack failed: {exc}\n{detail.decode(errors='replace')}", file=sys.stderr
            )
            return False
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MANIFEST).unlink(missing_ok=True)  # incomplete until rewritten below
        for package, version in PACKAGES.items():
            tarball = Path(tmp) / f"{_flat(package)}-{version}.tgz"
            with tarfile.open(tarball, "r:gz") as tar:
                for name, (owner, member, _) in ASSETS.items():
                    if owner == package:
                        _extract(tar, member, directory / name)
                licence = directory / "licenses" / f"{_flat(package)}.LICENSE"
                for member in ("package/LICENSE", "package/LICENSE.md"):
                    _extract(tar, member, licence, optional=True)
    manifest = {"packages": PACKAGES, "files": sorted(ASSETS)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return True


def _flat(package: str) -> str:
    """A package name as npm names its tarball: ``@scope/name`` -> ``scope-name``."""
    return package.removeprefix("@").replace("/", "-")


def _extract(tar: tarfile.TarFile, member: str, target: Path, *, optional: bool = False) -> None:
    # Read named members only: nothing from the tarball decides where a file is written.
    try:
        source = tar.extractfile(member)
    except KeyError:
        source = None
    if source is None:
        if optional:
            return
        raise RuntimeError(f"{member} is missing from the package")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(source.read())
    tmp.replace(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch GraphiQL's assets with npm pack.")
    parser.add_argument("--dir", type=Path, default=static_dir(), help="where to put them")
    parser.add_argument("--force", action="store_true", help="fetch even when already installed")
    args = parser.parse_args(argv)
    if install(args.dir, force=args.force):
        print(f"graphiql assets: ready in {args.dir}")
        return 0
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
