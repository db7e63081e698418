"""The deployment files as data, for the tests that hold them to what the gateway and registry do:
the Kubernetes manifests (deploy/kubernetes/), the compose file and the Dockerfile."""

from __future__ import annotations

import copy
import functools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"

Doc = dict[str, Any]


def kubernetes_files() -> list[Path]:
    return sorted(KUBERNETES.glob("*.yaml"))


def kubernetes_docs() -> list[tuple[Path, Doc]]:
    """Every Kubernetes object of the folder (kustomization.yaml is kustomize's, not an object); a
    fresh copy each time, so a test may change what it gets."""
    return copy.deepcopy(_kubernetes_docs())


@functools.cache
def _kubernetes_docs() -> list[tuple[Path, Doc]]:
    found = []
    for path in kubernetes_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") != "Kustomization":
                found.append((path, doc))
    return found


def kustomization() -> Doc:
    loaded: Doc = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    return loaded


def one(kind: str, name: str) -> Doc:
    matches = [d for _, d in kubernetes_docs() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def container(deployment: Doc, name: str) -> Doc:
    (found,) = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == name]
    result: Doc = found
    return result


def secret_values(name: str) -> dict[str, str]:
    secret = one("Secret", name)
    return dict(secret.get("stringData") or {})


def container_env(c: Doc) -> dict[str, str]:
    """The container's environment as the process sees it: literal values, and Secret or ConfigMap
    keys as the manifests' own (placeholder) values."""
    env: dict[str, str] = {}
    for item in c.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item["valueFrom"]
        if "secretKeyRef" in ref:
            env[item["name"]] = secret_values(ref["secretKeyRef"]["name"])[ref["secretKeyRef"]["key"]]
        else:
            config = one("ConfigMap", ref["configMapKeyRef"]["name"])
            env[item["name"]] = config["data"][ref["configMapKeyRef"]["key"]]
    return env


def kubernetes_argv(c: Doc) -> list[str]:
    """The arguments after the image's entrypoint (``federation``), with ``$(NAME)`` expanded from the
    container's environment as the kubelet does."""
    assert "command" not in c, "the image's entrypoint is `federation`: give args only"
    env = container_env(c)
    return [re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env[m.group(1)], arg) for arg in c["args"]]


def mounted_file(pod: Doc, c: Doc, path: str) -> tuple[str, str, str]:
    """(kind, object name, key) of the volume a file path of the container lies in: a ConfigMap or Secret
    key, or ("emptyDir", volume name, rest of the path)."""
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in sorted(c.get("volumeMounts", []), key=lambda m: -len(m["mountPath"])):
        prefix = mount["mountPath"].rstrip("/") + "/"
        if path.startswith(prefix):
            volume = volumes[mount["name"]]
            rest = path[len(prefix):]
            if "configMap" in volume:
                return "ConfigMap", volume["configMap"]["name"], rest
            if "secret" in volume:
                return "Secret", volume["secret"]["secretName"], rest
            if "emptyDir" in volume:
                return "emptyDir", mount["name"], rest
            raise AssertionError(f"volume {mount['name']} is of a kind these tests do not read")
    raise AssertionError(f"{path} is on no volume of container {c['name']}")


def named_port(c: Doc, port: int | str) -> int:
    if isinstance(port, int):
        return port
    (found,) = [p["containerPort"] for p in c["ports"] if p.get("name") == port]
    return int(found)


def compose() -> Doc:
    loaded: Doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


@dataclass(frozen=True)
class Dockerfile:
    """The last stage of the Dockerfile (the image), as the instructions the tests look at."""

    user: str
    entrypoint: list[str]
    cmd: list[str]
    healthcheck: list[str]
    expose: list[int]
    env: dict[str, str]


def dockerfile() -> Dockerfile:
    # Continuation lines joined; comments dropped. Enough for the instructions below, all in exec form.
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    last_from = max(i for i, ln in enumerate(lines) if ln.upper().startswith("FROM "))
    stage = lines[last_from:]
    found: dict[str, str] = {}
    env: dict[str, str] = {}
    for line in stage:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "ENV":
            env.update(dict(part.split("=", 1) for part in shlex.split(rest)))
        found[word] = rest.strip()
    health = found["HEALTHCHECK"]
    assert " CMD " in f" {health} ", health
    return Dockerfile(
        user=found["USER"],
        entrypoint=yaml.safe_load(found["ENTRYPOINT"]),
        cmd=yaml.safe_load(found["CMD"]),
        healthcheck=yaml.safe_load(health.split(" CMD ", 1)[1]),
        expose=[int(p) for p in found["EXPOSE"].split()],
        env=env,
    )
