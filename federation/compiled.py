"""The request's hottest modules compiled with mypyc, used only while they match their sources.

``make install`` runs :func:`main` (``build --if-stale``): it compiles :data:`MODULES` (the code
is already mypy-strict) into ``<venv>/federation-compiled/`` with a manifest of the sources' digest.
At import, :func:`install` serves those extension modules in place of the Python ones when the
digest still matches; an edited source, another Python, ``FEDERATION_PURE_PYTHON=1`` or a failed
build all mean plain Python, which stays the reference. The modules are compiled as one group and
call each other natively, so they are used all together or not at all.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

# Chosen by profile: shaping the answer, merging, building representations, entity batching and
# the subgraph transport take most of a request's Python time; the plan's and selections' classes
# are compiled with them so that execution reads their fields natively, not by attribute lookup.
MODULES = (
    "federation.execution.shape",
    "federation.execution.merge",
    "federation.execution.executor",
    "federation.execution.entity_batch",
    "federation.execution.transport.lean",
    "federation.execution.fetcher",
    "federation.execution.dedupe",
    "federation.execution.retry",
    "federation.execution.breaker",
    "federation.execution.replicas",
    "federation.execution.window",
    "federation.execution.headers",
    "federation.planner.plan",
    "federation.planner.selection",
    "federation.planner.path",
)
PURE_PYTHON_ENV = "FEDERATION_PURE_PYTHON"
_PACKAGE = Path(__file__).resolve().parent
_BUILD_TIMEOUT_S = 900
_MYPY_INI = "[mypy]\npython_version = 3.11\n\n[mypy-aiodataloader.*,uvicorn.*]\nignore_missing_imports = True\n"


def build_dir() -> Path:
    return Path(sys.prefix) / "federation-compiled"


def source_digest(package: Path = _PACKAGE) -> str:
    digest = hashlib.sha256(sys.implementation.cache_tag.encode())
    for name in MODULES:
        digest.update(name.encode() + b"\0" + _source(package, name).read_bytes())
    return digest.hexdigest()


def installed() -> bool:
    """Whether the compiled modules are the ones being used."""
    return any(isinstance(f, _CompiledFinder) for f in sys.meta_path)


def install() -> bool:
    """Serve the compiled modules if they match the sources; before any of them is imported."""
    if disabled() or installed():
        return installed()
    files = built_files(build_dir(), source_digest())
    if files is None:
        return False
    serve(files)
    return True


def disabled() -> bool:
    return os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0")


def built_files(directory: Path, digest: str) -> dict[str, Path] | None:
    """The extension modules built into ``directory`` (module name: file) if built from ``digest``."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
        if manifest.get("digest") != digest:
            return None
        files = {str(k): directory / str(v) for k, v in manifest["files"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return None
    return files if all(path.is_file() for path in files.values()) else None


def serve(files: dict[str, Path]) -> None:
    """Import these extension modules by name from now on (they import each other by name)."""
    sys.meta_path.insert(0, _CompiledFinder(files))


class _CompiledFinder(importlib.abc.MetaPathFinder):
    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


def build(*, if_stale: bool = False) -> str:
    """Compile into :func:`build_dir`; returns what happened, in a few words. Never raises for a
    failed compilation: the gateway then runs as plain Python."""
    target = build_dir()
    digest = source_digest()
    if if_stale and _manifest_digest(target) == digest:
        return "ready"
    with tempfile.TemporaryDirectory(prefix="federation-mypyc-") as tmp:
        work = Path(tmp)
        shutil.copytree(_PACKAGE, work / "federation", ignore=shutil.ignore_patterns("__pycache__", "static"))
        modules = {name: _source(work / "federation", name) for name in MODULES}
        return compile_group(work, modules, target, digest)


def compile_group(work: Path, modules: dict[str, Path], target: Path, digest: str) -> str:
    """mypyc over ``modules`` (module name: its source, in ``work``, where mypy finds what they import),
    then their extension modules and the group's shared library into ``target`` with a manifest
    naming ``digest``. Returns "ready" or why not."""
    mypyc = Path(sys.executable).with_name("mypyc")
    if not mypyc.exists():
        return "not built (mypyc is not installed); running as plain Python"
    # Only mypy's settings: a pyproject.toml there would be read by setuptools too.
    (work / "mypy.ini").write_text(_MYPY_INI)
    sources = [str(path.relative_to(work)) for path in modules.values()]
    try:
        done = subprocess.run([str(mypyc), *sources], cwd=work, capture_output=True, text=True,
                              timeout=_BUILD_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"not built ({exc}); running as plain Python"
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        first = next((line for line in lines if "error" in line.lower()), lines[-1] if lines else "mypyc failed")
        return f"not built ({first.strip()[:200]}); running as plain Python"
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    files = {name: path.with_suffix(suffix) for name, path in modules.items()}
    for shared in work.glob(f"*__mypyc{suffix}"):
        files[shared.name.removesuffix(suffix)] = shared
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    names: dict[str, str] = {}
    for name, path in files.items():
        if not path.is_file():
            return f"not built ({path.name} missing after mypyc); running as plain Python"
        shutil.copy(path, staging / f"{name}{suffix}")
        names[name] = f"{name}{suffix}"
    (staging / "manifest.json").write_text(json.dumps({"digest": digest, "files": names}, indent=1))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return "ready"


def _manifest_digest(directory: Path) -> str | None:
    try:
        value = json.loads((directory / "manifest.json").read_text()).get("digest")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _source(package: Path, module: str) -> Path:
    return package.joinpath(*module.split(".")[1:]).with_suffix(".py")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "build":
        print("usage: federation.compiled.main(['build', '--if-stale'])", file=sys.stderr)
        return 2
    from federation import compiled_parser  # it builds on this module

    if_stale = "--if-stale" in args
    ours = build(if_stale=if_stale)
    print(f"compiled modules: {ours}; graphql-core's parser: {compiled_parser.build(if_stale=if_stale)}")
    return 0

