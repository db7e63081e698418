"""The compose file and the Dockerfile: `docker compose config` accepts the compose file (where
docker has the compose plugin), every service's command parses with the real command line, the
gateway's file decodes with the real configuration decoder, health checks ask paths and ports the
servers answer, and the image runs as a user of its own with a HEALTHCHECK on the gateway's /health."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from federation.cli import build_parser, serve_config
from federation.config import ServerConfig
from services_demo import SERVICES, default_port

from .manifests import COMPOSE, ROOT, compose, dockerfile

PUBLISH_SCRIPT = ROOT / "deploy" / "compose" / "publish-demo.sh"


def _docker_compose() -> list[str] | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
    return [docker, "compose"] if probe.returncode == 0 else None


def test_docker_compose_accepts_the_file() -> None:
    command = _docker_compose()
    if command is None:
        pytest.skip("docker with the compose plugin is not installed")
    done = subprocess.run([*command, "--file", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_the_stack_has_every_part_and_depends_in_order() -> None:
    services = compose()["services"]
    assert {"gateway", "registry", "postgres", "redis", "subgraphs", "publish"} <= set(services)
    needs = {name: set(s.get("depends_on", {})) for name, s in services.items()}
    assert {"publish", "redis"} <= needs["gateway"]
    assert "postgres" in needs["registry"]
    assert {"registry", "subgraphs"} <= needs["publish"]
    assert services["gateway"]["depends_on"]["publish"]["condition"] == "service_completed_successfully"
    # Paths the services mount from the project exist.
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), source


def _argv(service: dict[str, object]) -> list[str]:
    command = service["command"]
    assert isinstance(command, list), "commands in exec form"
    return [str(a) for a in command]


def _port(mapping: str) -> int:
    return int(mapping.rsplit(":", 1)[1])


def test_the_gateway_service_starts_with_what_federation_serve_accepts(tmp_path: Path) -> None:
    gateway = compose()["services"]["gateway"]
    args = build_parser().parse_args(_argv(gateway))
    assert args.command == "serve" and "entrypoint" not in gateway  # the image's: federation
    (mount,) = [v for v in gateway["volumes"] if v.split(":")[1] == args.config]
    local = ROOT / mount.split(":")[0]
    args.config = str(local)
    config = serve_config(args, {})
    registry = config.supergraph.registry
    assert registry is not None and registry.url == "http://registry:4010"
    assert config.server.host == "0.0.0.0"
    assert [_port(p) for p in gateway["ports"]] == [config.server.port]
    # Files written by the publish job, on the volume both mount.
    (state,) = [v.split(":")[1] for v in gateway["volumes"] if v.startswith("state:")]
    assert registry.token_file is not None and registry.token_file.startswith(state + "/")
    jwks = config.policies.authentication.jwks_file
    assert jwks is not None and jwks.startswith(state + "/")
    script = PUBLISH_SCRIPT.read_text(encoding="utf-8")
    assert f"cd {state}\n" in script
    assert Path(registry.token_file).name == "gateway-token" and 'token gateway read shop' in script
    assert "--keys-dir keys --jwks" in script and Path(jwks).relative_to(state) == Path("keys/jwks.json")
    # Redis for both.
    assert config.policies.persisted_queries.redis_url == "redis://redis:6379/0"
    assert config.policies.rate_limit.redis_url == "redis://redis:6379/0"
    assert registry.graph == "shop@prod" and "shop@prod" in script


def test_the_registry_service_runs_on_postgresql_and_its_health_check_asks_ready() -> None:
    services = compose()["services"]
    registry = services["registry"]
    args = build_parser().parse_args(_argv(registry))
    assert (args.command, args.registry_command) == ("registry", "serve")
    assert args.db.startswith("postgresql://") and "@postgres:5432/" in args.db
    assert [_port(p) for p in registry["ports"]] == [args.port]
    assert registry["environment"]["HEALTHCHECK_URL"] == f"http://127.0.0.1:{args.port}/ready"
    assert services["publish"]["environment"]["REGISTRY_DB"] == args.db
    assert services["publish"]["environment"]["FEDERATION_REGISTRY_URL"] == f"http://registry:{args.port}"


def test_the_subgraphs_service_serves_the_ports_the_publish_job_names() -> None:
    from services_demo.__main__ import parse_args

    subgraphs = compose()["services"]["subgraphs"]
    assert subgraphs["entrypoint"] == ["python", "-m", "services_demo"]
    args = parse_args(_argv(subgraphs))
    assert args.no_gateway and args.no_registry and args.host == "0.0.0.0"
    ports = {name: default_port(name, args.base_port) for name in SERVICES}
    health = " ".join(subgraphs["healthcheck"]["test"])
    assert all(str(p) in health for p in ports.values())
    # The publish job walks the same names in the same order from the first port.
    script = PUBLISH_SCRIPT.read_text(encoding="utf-8")
    assert f"port=${{SUBGRAPHS_FIRST_PORT:-{min(ports.values())}}}" in script
    assert f"for name in {' '.join(SERVICES)}; do" in script
    assert all((ROOT / "schemas" / f"{name}.graphql").is_file() for name in SERVICES)


def test_the_publish_script_is_valid_sh() -> None:
    sh = shutil.which("sh")
    if sh is None:
        pytest.skip("no sh")
    done = subprocess.run([sh, "-n", str(PUBLISH_SCRIPT)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr


def test_the_image_runs_unprivileged_with_a_health_check_on_the_gateways_health() -> None:
    image = dockerfile()
    uid = image.user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric, non-root user (runAsNonRoot checks the number)"
    assert image.entrypoint == ["federation"]
    args = build_parser().parse_args(image.cmd)
    assert args.command == "serve" and args.host == "0.0.0.0"
    assert args.port == ServerConfig().port
    # The health check fetches HEALTHCHECK_URL: by default the gateway's liveness path on its port.
    assert "HEALTHCHECK_URL" in " ".join(image.healthcheck)
    assert image.env["HEALTHCHECK_URL"] == f"http://127.0.0.1:{args.port}/health"
    registry = build_parser().parse_args(["registry", "serve"])
    assert sorted(image.expose) == sorted([args.port, registry.port])


def test_the_docker_build_context_leaves_out_local_state_but_not_the_sources() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", ".git", ".demo", "federation/http/static"} <= ignored
    copied = re.findall(r"^COPY (?!--from)(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert copied and not set(copied) & ignored
