"""The Kubernetes manifests (deploy/kubernetes/): valid against the Kubernetes JSON schemas (strict:
an unknown or misspelt field is refused), complete as a kustomization, consistent among themselves
(selectors, names, ports, mounted files), and true to the programs they run: the commands parse
with the real command line, the ConfigMap decodes with the real configuration decoder, and the
probes' paths and ports are ones the gateway and the registry answer as a probe expects."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from federation.cli import build_parser, serve_config
from federation.config import GatewayConfig
from federation.gateway import Gateway
from federation.http.app import GatewayHolder, create_app
from federation.observability.listener import MetricsListener
from federation.registry.app import RegistryApp
from federation.registry.service import Registry
from federation.registry.store import Store, database_url

from .manifests import (
    KUBERNETES,
    ROOT,
    Doc,
    container,
    container_env,
    kubernetes_argv,
    kubernetes_docs,
    kubernetes_files,
    kustomization,
    mounted_file,
    named_port,
    one,
    secret_values,
)

# The oldest Kubernetes the manifests are meant for (autoscaling/v2 and policy/v1 are GA from 1.23
# and 1.21; 1.27 is the oldest schema set the validator bundles that is still common) and the newest
# the validator knows.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")
GATEWAY, REGISTRY = "federation-gateway", "federation-registry"


def _validator() -> Any:
    return pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (dev extra) not installed")


def _ids() -> list[str]:
    return [f"{path.name}:{doc['kind']}/{doc['metadata']['name']}" for path, doc in kubernetes_docs()]


@pytest.mark.parametrize(("path", "doc"), kubernetes_docs(), ids=_ids())
def test_every_object_is_valid_against_the_kubernetes_schemas(path: Path, doc: Doc) -> None:
    kv = _validator()
    for version in KUBERNETES_VERSIONS:
        try:
            kv.validate(doc, version, strict=True)
        except kv.SchemaNotFoundError:
            pytest.skip(f"no schema for {doc['apiVersion']} {doc['kind']} in Kubernetes {version}")
        except kv.ValidationError as exc:
            pytest.fail(f"{path.name}: {doc['kind']} {doc['metadata']['name']} (Kubernetes {version}): "
                        f"{exc.message} at {'.'.join(str(p) for p in exc.path)}")


def test_the_schema_check_refuses_a_misspelt_field() -> None:
    """The check above is live: the gateway Deployment with one field misspelt is refused."""
    kv = _validator()
    broken = copy.deepcopy(one("Deployment", GATEWAY))
    probe = container(broken, "gateway")["readinessProbe"]
    probe["httpGett"] = probe.pop("httpGet")
    with pytest.raises(kv.ValidationError):
        kv.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_kustomization_lists_every_file_and_kustomize_renders_them() -> None:
    listed = set(kustomization()["resources"])
    assert listed == {p.name for p in kubernetes_files()} - {"kustomization.yaml"}
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed: the kustomize rendering is not checked")
    done = subprocess.run([kubectl, "kustomize", str(KUBERNETES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rendered = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(done.stdout) if d}
    assert rendered == {(d["kind"], d["metadata"]["name"]) for _, d in kubernetes_docs()}


def _pod(deployment: Doc) -> Doc:
    pod: Doc = deployment["spec"]["template"]["spec"]
    return pod


def _labels(deployment: Doc) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("name", [GATEWAY, REGISTRY])
def test_services_budgets_and_the_autoscaler_reach_their_pods(name: str) -> None:
    deployment = one("Deployment", name)
    labels = _labels(deployment)
    assert _selects(deployment["spec"]["selector"]["matchLabels"], labels)
    service = one("Service", name)
    assert _selects(service["spec"]["selector"], labels)
    main = _pod(deployment)["containers"][0]
    for port in service["spec"]["ports"]:
        named_port(main, port["targetPort"])  # a port the container declares
    budget = one("PodDisruptionBudget", name)
    assert _selects(budget["spec"]["selector"]["matchLabels"], labels)
    # A budget that allows no disruption would block every node drain.
    assert budget["spec"].get("maxUnavailable", 1) >= 1
    if name == GATEWAY:
        hpa = one("HorizontalPodAutoscaler", name)
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert hpa["spec"]["minReplicas"] >= 2, "one gateway pod is one disruption away from none"
        # CPU utilisation is measured against the request: there must be one.
        assert main["resources"]["requests"]["cpu"]
    for volume in _pod(deployment).get("volumes", []):  # the objects mounted exist
        if "secret" in volume:
            one("Secret", volume["secret"]["secretName"])
        if "configMap" in volume:
            one("ConfigMap", volume["configMap"]["name"])


def _gateway_config(tmp_path: Path) -> tuple[Doc, Doc, GatewayConfig]:
    """The gateway container, its pod, and the configuration `federation serve` starts with in it."""
    deployment = one("Deployment", GATEWAY)
    gateway = container(deployment, "gateway")
    args = build_parser().parse_args(kubernetes_argv(gateway))
    assert args.command == "serve"
    kind, name, key = mounted_file(_pod(deployment), gateway, args.config)
    assert kind == "ConfigMap", f"--config {args.config} is not the ConfigMap's file"
    local = tmp_path / key
    local.write_text(one("ConfigMap", name)["data"][key], encoding="utf-8")
    args.config = str(local)
    return gateway, _pod(deployment), serve_config(args, container_env(gateway))


def test_the_gateway_command_and_its_configmap_are_what_federation_serve_accepts(tmp_path: Path) -> None:
    gateway, pod, config = _gateway_config(tmp_path)
    registry = config.supergraph.registry
    assert registry is not None, "the gateway is meant to poll the registry"
    # The registry URL is the registry Service's, on its port.
    service = one("Service", REGISTRY)
    (port,) = [p["port"] for p in service["spec"]["ports"]]
    assert registry.url == f"http://{REGISTRY}:{port}"
    # Files the configuration names are on the volumes the pod mounts: secrets in the Secret, the
    # cache on a writable emptyDir (the root filesystem is read-only).
    assert registry.token_file is not None
    kind, name, key = mounted_file(pod, gateway, registry.token_file)
    assert kind == "Secret" and key in secret_values(name)
    jwks = config.policies.authentication.jwks_file
    if jwks is not None:
        kind, name, key = mounted_file(pod, gateway, jwks)
        assert kind == "Secret" and key in secret_values(name)
    assert registry.cache_file is not None
    assert mounted_file(pod, gateway, registry.cache_file)[0] == "emptyDir"
    assert gateway["securityContext"]["readOnlyRootFilesystem"] is True
    # Persisted queries and rate limits are shared through the Redis Service.
    redis = f"redis://federation-redis:{one('Service', 'federation-redis')['spec']['ports'][0]['port']}/"
    assert (config.policies.persisted_queries.redis_url or "").startswith(redis)
    assert config.policies.rate_limit.enabled and (config.policies.rate_limit.redis_url or "").startswith(redis)
    # Kubernetes waits this long after SIGTERM before killing: the drain and the grace must fit.
    grace = pod["terminationGracePeriodSeconds"]
    assert config.server.drain_seconds + config.server.graceful_timeout < grace
    assert config.server.host == "0.0.0.0", "a pod's probes and Service reach it on the pod's address"


async def test_the_gateway_probes_are_the_paths_and_ports_it_answers(tmp_path: Path) -> None:
    gateway_container, _pod_spec, config = _gateway_config(tmp_path)
    readiness, liveness = gateway_container["readinessProbe"], gateway_container["livenessProbe"]
    startup = gateway_container.get("startupProbe")
    for probe in filter(None, (readiness, liveness, startup)):
        assert named_port(gateway_container, probe["httpGet"]["port"]) == config.server.port
    assert readiness["httpGet"]["path"] == "/ready" and liveness["httpGet"]["path"] == "/health"

    sdl = (ROOT / "schemas" / "supergraph.graphql").read_text(encoding="utf-8")
    served = Gateway.from_sdl(sdl)
    holder = GatewayHolder(None)
    app = create_app(holder, config.http, metrics=config.http.metrics and config.server.metrics_port is None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pod") as client:
        # Before a supergraph is loaded: alive, not ready.
        assert (await client.get(liveness["httpGet"]["path"])).status_code == 200
        assert (await client.get(readiness["httpGet"]["path"])).status_code == 503
        holder.current = served
        assert (await client.get(readiness["httpGet"]["path"])).status_code == 200
        if startup is not None:
            assert (await client.get(startup["httpGet"]["path"])).status_code == 200
        # SIGTERM: not ready (the Service stops sending) while still alive (not restarted).
        app.begin_drain()
        assert (await client.get(readiness["httpGet"]["path"])).status_code == 503
        assert (await client.get(liveness["httpGet"]["path"])).status_code == 200
    await served.aclose()

    # Prometheus scrapes the metrics port the configuration opens, at the path the listener serves.
    annotations = one("Deployment", GATEWAY)["spec"]["template"]["metadata"]["annotations"]
    assert int(annotations["prometheus.io/port"]) == config.server.metrics_port
    assert named_port(gateway_container, "metrics") == config.server.metrics_port
    listener = MetricsListener("127.0.0.1", 0, lambda: "federation_requests_total 0\n")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=listener), base_url="http://pod") as client:
        scraped = await client.get(annotations["prometheus.io/path"])
        assert scraped.status_code == 200 and "federation_requests_total" in scraped.text


def _registry_args() -> tuple[Doc, Any]:
    registry = container(one("Deployment", REGISTRY), "registry")
    args = build_parser().parse_args(kubernetes_argv(registry))
    assert (args.command, args.registry_command) == ("registry", "serve")
    return registry, args


def test_the_registry_runs_on_postgresql_from_its_secret() -> None:
    registry, args = _registry_args()
    assert database_url(args.db).get_backend_name() == "postgresql"
    # The URL comes from the Secret, never from the manifest itself.
    (db_env,) = [e for e in registry["env"] if f"$({e['name']})" in registry["args"]]
    assert db_env["valueFrom"]["secretKeyRef"]["name"] == REGISTRY
    assert args.host == "0.0.0.0"
    # The stand-in PostgreSQL is the one the URL names.
    url = database_url(args.db)
    postgres = one("Service", url.host)
    assert url.port == postgres["spec"]["ports"][0]["port"]


async def test_the_registry_probes_are_the_paths_and_ports_it_answers(tmp_path: Path) -> None:
    registry, args = _registry_args()
    readiness, liveness = registry["readinessProbe"], registry["livenessProbe"]
    for probe in (readiness, liveness):
        assert named_port(registry, probe["httpGet"]["port"]) == args.port
    assert readiness["httpGet"]["path"] == "/ready" and liveness["httpGet"]["path"] == "/health"
    # A database that answers (a SQLite file here), and one that does not (nothing listens on port 9).
    for db, ready in ((f"sqlite:///{tmp_path / 'registry.db'}", 200), ("postgresql://postgres@127.0.0.1:9/r", 503)):
        store = Store(db)
        app = RegistryApp(Registry(store), migrate=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pod") as client:
            assert (await client.get(readiness["httpGet"]["path"])).status_code == ready, db
            assert (await client.get(liveness["httpGet"]["path"])).status_code == 200
        await store.close()


@pytest.mark.parametrize("name", [GATEWAY, REGISTRY])
def test_pods_run_as_the_image_user_with_nothing_to_escalate(name: str) -> None:
    from .manifests import dockerfile

    pod = _pod(one("Deployment", name))
    uid = dockerfile().user.split(":")[0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == uid
    for c in pod["containers"]:
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert c["resources"]["requests"] and c["resources"]["limits"]["memory"]


def test_config_keys_are_the_decoders(tmp_path: Path) -> None:
    """A key the decoder does not know fails the start-up (and this check): the ConfigMap with one
    key misspelt is refused, naming it."""
    from federation.errors import ConfigError

    gateway = container(one("Deployment", GATEWAY), "gateway")
    text = one("ConfigMap", GATEWAY)["data"]["gateway.yaml"].replace("drain_seconds:", "drain_second:")
    local = tmp_path / "gateway.yaml"
    local.write_text(text, encoding="utf-8")
    args = build_parser().parse_args(kubernetes_argv(gateway))
    args.config = str(local)
    with pytest.raises(ConfigError, match="drain_second"):
        serve_config(args, container_env(gateway))
