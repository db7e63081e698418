"""The compiled hot modules are used only while they match their sources, and never otherwise."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from federation import compiled

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _probe(env: dict[str, str]) -> list[str]:
    code = ("import federation.execution.shape as s, federation.execution.executor as e, federation.compiled as c;"
            "print(s.__file__); print(e.__file__); print(c.installed())")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                         timeout=60, check=True)
    return out.stdout.split()


def _built() -> bool:
    try:
        return json.loads((compiled.build_dir() / "manifest.json").read_text())["digest"] == compiled.source_digest()
    except (OSError, ValueError, KeyError):
        return False


MYPYC = Path(sys.executable).with_name("mypyc").exists()


@pytest.mark.skipif(not MYPYC, reason="mypyc is not installed here: the gateway runs as plain Python")
def test_built_modules_are_served_and_the_switch_turns_them_off() -> None:
    # `make test` compiles first (make install), so a stale or failed build is a failure here.
    assert _built(), "the compiled modules are stale or failed to build: run `make compiled` to see why"
    shape, executor, used = _probe({"FEDERATION_PURE_PYTHON": ""})
    assert shape.endswith(SUFFIX) and executor.endswith(SUFFIX) and used == "True"
    shape, executor, used = _probe({"FEDERATION_PURE_PYTHON": "1"})
    assert shape.endswith("shape.py") and executor.endswith("executor.py") and used == "False"


def test_a_changed_source_means_plain_python(tmp_path: Path) -> None:
    package = Path(compiled.__file__).parent
    copy = tmp_path / "federation"
    for name in compiled.MODULES:
        source = package.joinpath(*name.split(".")[1:]).with_suffix(".py")
        target = copy.joinpath(*name.split(".")[1:]).with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    assert compiled.source_digest(copy) == compiled.source_digest()
    shape = copy / "execution" / "shape.py"
    shape.write_bytes(shape.read_bytes() + b"\n# edited\n")
    assert compiled.source_digest(copy) != compiled.source_digest()
