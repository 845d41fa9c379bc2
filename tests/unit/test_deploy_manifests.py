"""The Kubernetes manifests in deploy/k8s agree with the code they deploy.

Renaming a service, a setting, a listen port or a durable consumer in the code without
updating the manifests fails here, and so does a manifest file the kustomization forgets.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from bureau.services import BUILDERS, SERVICE_NAMES
from services.gateway.settings import GatewaySettings
from services.ingest.settings import IngestSettings
from services.notify.settings import NotifySettings
from services.outbound.settings import OutboundSettings
from services.store.settings import StoreSettings
from shared.runtime import bus
from shared.settings import CommonSettings, parse_listen
from tests.programs import kustomize as kustomize_tool

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
DOCKERFILE = ROOT / "Dockerfile"
README = K8S / "README.md"

Doc = dict[str, Any]

SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (
    CommonSettings,
    IngestSettings,
    GatewaySettings,
    StoreSettings,
    OutboundSettings,
    NotifySettings,
)
# The settings class each service reads; the others read CommonSettings.
SERVICE_SETTINGS: dict[str, type[BaseSettings]] = {
    "ingest": IngestSettings,
    "gateway": GatewaySettings,
    "store": StoreSettings,
    "outbound": OutboundSettings,
    "notify": NotifySettings,
}
# Listen variables whose server answers /healthz and /readyz: the runtime's health server
# and the gateway's HTTP API.
PROBE_LISTEN_VARS = ("BUREAU_HEALTH_LISTEN", "BUREAU_HTTP_LISTEN")
PROBE_PATHS = {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}
KUSTOMIZE_KINDS = {"Kustomization", "Component"}
VARIABLE = re.compile(r"\bBUREAU_[A-Z][A-Z0-9_]*\b")


def env_names(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    return {f"{prefix}{name}".upper() for name in cls.model_fields}


ALL_VARIABLES = set().union(*(env_names(cls) for cls in SETTINGS_CLASSES))


def settings_for(service: str) -> type[BaseSettings]:
    return SERVICE_SETTINGS.get(service, CommonSettings)


# --- loading ------------------------------------------------------------------------------


def yaml_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml"})


@cache
def load(path: Path) -> tuple[Doc, ...]:
    """Every document of a (multi-document) YAML file; () if it does not parse."""
    try:
        with path.open(encoding="utf-8") as f:
            return tuple(d for d in yaml.safe_load_all(f) if d is not None)
    except yaml.YAMLError:
        return ()


def objects(kind: str | None = None) -> list[tuple[Path, Doc]]:
    """Kubernetes objects in deploy/k8s (not the Helm values files, not kustomizations)."""
    found = []
    for path in yaml_files():
        for doc in load(path):
            if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
                continue
            if doc["kind"] in KUSTOMIZE_KINDS:
                continue
            if kind is None or doc["kind"] == kind:
                found.append((path, doc))
    return found


def base_objects(kind: str) -> list[Doc]:
    """Objects of the base and its component (deploy/k8s minus dependencies/)."""
    deps = K8S / "dependencies"
    return [doc for path, doc in objects(kind) if deps not in path.parents]


def the_container(deployment: Doc) -> Doc:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{name_of(deployment)}: one container expected"
    return containers[0]


def name_of(doc: Doc) -> str:
    return str(doc["metadata"]["name"])


def dockerfile_entrypoint() -> list[str]:
    match = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", DOCKERFILE.read_text(), re.MULTILINE)
    assert match, "Dockerfile: no exec-form ENTRYPOINT"
    return list(json.loads(match.group(1)))


def argv(deployment: Doc) -> list[str]:
    container = the_container(deployment)
    command = container.get("command") or dockerfile_entrypoint()
    return [*command, *container.get("args", [])]


def service_of(deployment: Doc) -> str:
    return argv(deployment)[-1]


def deployments() -> list[Doc]:
    return base_objects("Deployment")


def deployment_params() -> list[Any]:
    return [pytest.param(d, id=name_of(d)) for d in deployments()]


def deployment_named(name: str) -> Doc:
    matches = [d for d in deployments() if name_of(d) == name]
    assert len(matches) == 1, f"no single Deployment {name!r}"
    return matches[0]


def configmap(name: str) -> Doc:
    matches = [c for c in base_objects("ConfigMap") if name_of(c) == name]
    assert len(matches) == 1, f"no single ConfigMap {name!r} in deploy/k8s"
    return matches[0]


def example_secret(name: str) -> Doc:
    matches = [s for s in base_objects("Secret") if name_of(s) == name]
    assert len(matches) == 1, f"no example of Secret {name!r} in deploy/k8s"
    return matches[0]


def secret_keys(secret: Doc) -> set[str]:
    return set(secret.get("stringData") or {}) | set(secret.get("data") or {})


def plain_env(container: Doc) -> dict[str, str]:
    """The non-secret environment of a container: envFrom ConfigMaps, then env values."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmap(source["configMapRef"]["name"]).get("data") or {})
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = str(var["value"])
        else:
            env.pop(var["name"], None)  # env wins over envFrom, even from a Secret
    return env


def listen_ports(container: Doc) -> dict[str, int]:
    """BUREAU_*_LISTEN variable → the port it makes the container listen on."""
    return {
        name: parse_listen(value)[1]
        for name, value in plain_env(container).items()
        if name.endswith("_LISTEN") and name in ALL_VARIABLES
    }


def container_ports(container: Doc) -> dict[str | int, int]:
    ports: dict[str | int, int] = {}
    for port in container.get("ports", []):
        ports[port["containerPort"]] = port["containerPort"]
        if "name" in port:
            ports[port["name"]] = port["containerPort"]
    return ports


def resolve_port(container: Doc, port: str | int) -> int:
    ports = container_ports(container)
    assert port in ports, f"port {port!r} is not a containerPort of {container['name']}"
    return ports[port]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def pod_labels(deployment: Doc) -> dict[str, str]:
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


def strings(node: Any) -> Iterator[str]:
    """Every key and string value in a parsed YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, str):
        yield node


# --- files --------------------------------------------------------------------------------


def test_there_are_manifests() -> None:
    assert (K8S / "kustomization.yaml").is_file()
    assert deployments()


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_yaml_file_parses(path: Path) -> None:
    with path.open(encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    assert docs, f"{path}: empty"
    for doc in docs:
        assert isinstance(doc, dict), f"{path}: a document is not a mapping"
        if "kind" in doc and doc["kind"] not in KUSTOMIZE_KINDS:
            assert doc.get("metadata", {}).get("name"), f"{path}: {doc['kind']} without a name"


def kustomization_dirs() -> list[Path]:
    return sorted(p.parent for p in K8S.rglob("kustomization.yaml"))


@pytest.mark.parametrize("directory", kustomization_dirs(), ids=lambda p: str(p.relative_to(K8S)))
def test_kustomization_lists_every_file(directory: Path) -> None:
    (kustomization,) = load(directory / "kustomization.yaml")
    listed = list(kustomization.get("resources", []))
    for entry in listed:
        assert (directory / entry).exists(), f"{directory}: lists missing {entry}"
    for patch in kustomization.get("patches", []):
        if "path" in patch:
            assert (directory / patch["path"]).is_file(), f"{directory}: missing {patch['path']}"
    for component in kustomization.get("components", []):
        assert (directory / component / "kustomization.yaml").is_file()
    present = {
        p.name
        for p in directory.iterdir()
        if p.is_file() and p.suffix in {".yaml", ".yml"} and p.name != "kustomization.yaml"
    }
    examples = {name for name in present if ".example." in name}
    assert set(listed) & examples == set(), "example files hold placeholders: never apply them"
    assert sorted(set(listed) & present) == sorted(present - examples), (
        f"{directory}: every manifest must be listed in kustomization.yaml"
    )
    assert len(listed) == len(set(listed)), "listed twice"


def test_dockerfile_runs_bureau() -> None:
    assert dockerfile_entrypoint() == ["bureau"]


# --- services and commands ----------------------------------------------------------------


def test_every_service_has_exactly_one_deployment() -> None:
    counts = Counter(service_of(d) for d in deployments())
    assert set(counts) <= set(SERVICE_NAMES), (
        f"unknown services: {set(counts) - set(SERVICE_NAMES)}"
    )
    assert counts == Counter(SERVICE_NAMES), f"one Deployment per service, got {dict(counts)}"


@pytest.mark.parametrize("deployment", deployment_params())
def test_deployment_runs_bureau_serve(deployment: Doc) -> None:
    command = argv(deployment)
    assert command[:2] == ["bureau", "serve"] and len(command) == 3, command
    service = command[2]
    assert service in SERVICE_NAMES
    assert name_of(deployment) == f"bureau-{service}"
    labels = pod_labels(deployment)
    assert labels.get("app.kubernetes.io/component") == service
    assert selects(deployment["spec"]["selector"]["matchLabels"], labels)


# --- settings -----------------------------------------------------------------------------


def test_settings_read_the_bureau_prefix() -> None:
    for cls in SETTINGS_CLASSES:
        assert str(cls.model_config.get("env_prefix", "")).upper() == "BUREAU_", cls


def test_every_variable_in_the_manifests_is_a_setting() -> None:
    named = {
        token for _, doc in objects() for text in strings(doc) for token in VARIABLE.findall(text)
    }
    assert named, "no BUREAU_* variable found in the manifests"
    assert named - ALL_VARIABLES == set(), (
        f"not a field of any settings class: {named - ALL_VARIABLES}"
    )


def test_configmap_and_secret_keys_are_settings() -> None:
    for cm in base_objects("ConfigMap"):
        keys = set(cm.get("data") or {})
        assert keys - ALL_VARIABLES == set(), f"ConfigMap {name_of(cm)}: {keys - ALL_VARIABLES}"
    for secret in base_objects("Secret"):
        keys = secret_keys(secret)
        assert keys - ALL_VARIABLES == set(), f"Secret {name_of(secret)}: {keys - ALL_VARIABLES}"


@pytest.mark.parametrize("deployment", deployment_params())
def test_pod_environment_matches_its_settings(deployment: Doc) -> None:
    service = service_of(deployment)
    known = env_names(settings_for(service))
    container = the_container(deployment)
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            configmap(source["configMapRef"]["name"])
        if "secretRef" in source:
            example_secret(source["secretRef"]["name"])
    for var in container.get("env", []):
        assert var["name"] in known, f"{service} does not read {var['name']}"
        ref = var.get("valueFrom", {}).get("secretKeyRef")
        if ref is not None:
            assert ref["key"] == var["name"], "Secret keys are named like the variable"
            assert ref["key"] in secret_keys(example_secret(ref["name"])), (
                f"{ref['key']} missing from the example of Secret {ref['name']}"
            )
            assert not ref.get("optional"), "a missing secret must stop the pod"
        ref = var.get("valueFrom", {}).get("configMapKeyRef")
        if ref is not None:
            assert ref["key"] in (configmap(ref["name"]).get("data") or {})


@pytest.mark.parametrize("deployment", deployment_params())
def test_pod_settings_validate(deployment: Doc, monkeypatch: pytest.MonkeyPatch) -> None:
    """The non-secret values each pod gets parse under its service's settings class."""
    for name in list(os.environ):
        if name.startswith("BUREAU_"):
            monkeypatch.delenv(name)
    for name, value in plain_env(the_container(deployment)).items():
        monkeypatch.setenv(name, value)
    settings_for(service_of(deployment))()


def test_example_signing_key_is_refused() -> None:
    """A gateway given the example Secret unchanged refuses to start."""
    placeholder = example_secret("bureau-secrets")["stringData"]["BUREAU_SECRET_KEY"]
    with pytest.raises(ValidationError):
        GatewaySettings(secret_key=placeholder)


def test_readme_documents_every_setting() -> None:
    documented = set(VARIABLE.findall(README.read_text(encoding="utf-8")))
    assert documented - ALL_VARIABLES == set(), f"not settings: {documented - ALL_VARIABLES}"
    assert ALL_VARIABLES - documented == set(), f"undocumented: {ALL_VARIABLES - documented}"


# --- ports, probes, Services --------------------------------------------------------------


def test_probe_variables_are_settings() -> None:
    assert set(PROBE_LISTEN_VARS) <= ALL_VARIABLES


@pytest.mark.parametrize("deployment", deployment_params())
def test_listen_addresses_are_reachable_and_declared(deployment: Doc) -> None:
    container = the_container(deployment)
    env = plain_env(container)
    fields = [v for v in env_names(settings_for(service_of(deployment))) if v.endswith("_LISTEN")]
    for var in fields:
        assert var in env, f"{name_of(deployment)}: {var} unset (the default is 127.0.0.1)"
        host, _ = parse_listen(env[var])
        assert host in {"0.0.0.0", "::"}, f"{var}={env[var]}: unreachable from outside the pod"
    declared = {p["containerPort"] for p in container.get("ports", [])}
    assert declared == set(listen_ports(container).values()), (
        f"containerPorts {declared} != ports of the listen variables {listen_ports(container)}"
    )


@pytest.mark.parametrize("deployment", deployment_params())
def test_probes_use_the_health_endpoints(deployment: Doc) -> None:
    container = the_container(deployment)
    ports = listen_ports(container)
    serving = {ports[var] for var in PROBE_LISTEN_VARS if var in ports}
    assert serving, f"{name_of(deployment)}: no health listener for the probes"
    for probe, path in PROBE_PATHS.items():
        assert probe in container, f"{name_of(deployment)}: no {probe}"
        get = container[probe]["httpGet"]
        assert get["path"] == path, f"{probe} should ask {path}"
        assert resolve_port(container, get["port"]) in serving, (
            f"{probe} port {get['port']} is not one that BUREAU_HEALTH_LISTEN/HTTP_LISTEN set"
        )


@pytest.mark.parametrize("deployment", deployment_params())
def test_readiness_and_metrics_come_from_the_health_listener(deployment: Doc) -> None:
    """Only the runtime's health server checks JetStream and storage, and serves /metrics."""
    container = the_container(deployment)
    health = listen_ports(container).get("BUREAU_HEALTH_LISTEN")
    assert health is not None, f"{name_of(deployment)}: no BUREAU_HEALTH_LISTEN"
    readiness = container["readinessProbe"]["httpGet"]
    assert resolve_port(container, readiness["port"]) == health
    annotations = deployment["spec"]["template"]["metadata"].get("annotations") or {}
    assert annotations.get("prometheus.io/scrape") == "true"
    assert annotations.get("prometheus.io/path") == "/metrics"
    assert int(annotations.get("prometheus.io/port", 0)) == health


def deployment_selected_by(selector: dict[str, str]) -> Doc:
    matches = [d for d in deployments() if selects(selector, pod_labels(d))]
    assert len(matches) == 1, f"selector {selector} matches {len(matches)} Deployments"
    return matches[0]


@pytest.mark.parametrize("service", base_objects("Service"), ids=name_of)
def test_services_forward_to_listen_ports(service: Doc) -> None:
    container = the_container(deployment_selected_by(service["spec"]["selector"]))
    listening = set(listen_ports(container).values())
    for port in service["spec"]["ports"]:
        target = resolve_port(container, port.get("targetPort", port["port"]))
        assert target in listening


def service_port(service: Doc, port: int) -> int:
    """The container port a Service forwards its `port` to."""
    container = the_container(deployment_selected_by(service["spec"]["selector"]))
    for p in service["spec"]["ports"]:
        if p["port"] == port:
            return resolve_port(container, p.get("targetPort", port))
    raise AssertionError(f"Service {name_of(service)} has no port {port}")


def service_for(service_name: str, kind: str = "ClusterIP") -> Doc:
    """The one Service of that type in front of a service's pods."""
    matches = [
        s
        for s in base_objects("Service")
        if service_of(deployment_selected_by(s["spec"]["selector"])) == service_name
        and s["spec"].get("type", "ClusterIP") == kind
    ]
    assert len(matches) == 1, f"one {kind} Service expected for {service_name}"
    return matches[0]


def test_smtp_is_a_load_balancer_on_port_25() -> None:
    smtp = service_for("ingest", "LoadBalancer")
    assert smtp["spec"]["type"] == "LoadBalancer"
    ingest = the_container(deployment_named("bureau-ingest"))
    assert service_port(smtp, 25) == listen_ports(ingest)["BUREAU_SMTP_LISTEN"]


def test_gateway_is_a_cluster_ip_on_port_80() -> None:
    http = service_for("gateway")
    assert http["spec"].get("type", "ClusterIP") == "ClusterIP"
    gateway = the_container(deployment_named("bureau-gateway"))
    assert service_port(http, 80) == listen_ports(gateway)["BUREAU_HTTP_LISTEN"]


def test_mail_clients_reach_imap_and_pop3_on_their_standard_ports() -> None:
    access = service_for("gateway", "LoadBalancer")
    gateway = the_container(deployment_named("bureau-gateway"))
    ports = listen_ports(gateway)
    for port, var in ((143, "BUREAU_IMAP_LISTEN"), (993, "BUREAU_IMAPS_LISTEN"),
                      (110, "BUREAU_POP3_LISTEN"), (995, "BUREAU_POP3S_LISTEN")):  # fmt: skip
        assert service_port(access, port) == ports[var]
    submission = service_for("ingest", "LoadBalancer")
    ingest = the_container(deployment_named("bureau-ingest"))
    assert service_port(submission, 587) == listen_ports(ingest)["BUREAU_SUBMISSION_LISTEN"]
    assert service_port(submission, 465) == listen_ports(ingest)["BUREAU_SUBMISSIONS_LISTEN"]


def test_ingress_backends_exist() -> None:
    ingresses = base_objects("Ingress")
    assert ingresses
    services = {name_of(s): s for s in base_objects("Service")}
    for ingress in ingresses:
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] in services, backend
                ports = services[backend["name"]]["spec"]["ports"]
                wanted = backend["port"]
                assert any(
                    p.get("name") == wanted.get("name") or p["port"] == wanted.get("number")
                    for p in ports
                ), backend


# --- robustness and security --------------------------------------------------------------


def test_every_deployment_has_one_disruption_budget() -> None:
    budgets = base_objects("PodDisruptionBudget")
    for deployment in deployments():
        covering = [
            b
            for b in budgets
            if selects(b["spec"]["selector"]["matchLabels"], pod_labels(deployment))
        ]
        assert len(covering) == 1, f"{name_of(deployment)}: {len(covering)} budgets"


@pytest.mark.parametrize("deployment", deployment_params())
def test_pods_are_locked_down(deployment: Doc) -> None:
    pod = deployment["spec"]["template"]["spec"]
    container = the_container(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod.get("enableServiceLinks") is False, "service links inject BUREAU_* variables"
    assert pod.get("automountServiceAccountToken") is False
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    assert "/tmp" in mounts, "the read-only root needs a writable /tmp"
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{kind} incomplete"


# --- autoscaling --------------------------------------------------------------------------


class _Adapters:
    """Stands in for bureau.adapters.Adapters: each port is a mock."""

    async def mailbox(self) -> MagicMock:
        return MagicMock()

    async def blobs(self) -> MagicMock:
        return MagicMock()

    async def index(self) -> MagicMock:
        return MagicMock()


async def durable_consumers(service: str, monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """(stream, durable) of each consumer `service` registers, through
    shared.runtime.bus.subscribe."""
    found: set[tuple[str, str]] = set()

    def record(*_args: Any, **kwargs: Any) -> MagicMock:
        found.add((kwargs["stream"].name, kwargs["durable"]))
        return MagicMock()

    monkeypatch.setattr(bus, "subscribe", record)
    built = await BUILDERS[service](CommonSettings(), _Adapters(), MagicMock())  # type: ignore[arg-type]
    built.subscribe(MagicMock())
    return found


def scaled_objects() -> list[Doc]:
    return base_objects("ScaledObject")


@pytest.mark.parametrize("scaled", scaled_objects(), ids=name_of)
async def test_scaled_objects_watch_the_services_consumers(
    scaled: Doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = service_of(deployment_named(scaled["spec"]["scaleTargetRef"]["name"]))
    consumers = await durable_consumers(service, monkeypatch)
    triggers = scaled["spec"]["triggers"]
    assert triggers and all(t["type"] == "nats-jetstream" for t in triggers)
    for trigger in triggers:
        watched = (trigger["metadata"]["stream"], trigger["metadata"]["consumer"])
        assert watched in consumers, f"{service} consumes {consumers}, not {watched}"
    assert scaled["spec"]["minReplicaCount"] >= 1, "store relays the journal; keep consumers up"


def test_every_service_has_one_autoscaler() -> None:
    keda = [
        service_of(deployment_named(s["spec"]["scaleTargetRef"]["name"])) for s in scaled_objects()
    ]
    hpas = base_objects("HorizontalPodAutoscaler")
    for hpa in hpas:
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    cpu = [service_of(deployment_named(h["spec"]["scaleTargetRef"]["name"])) for h in hpas]
    assert Counter(keda + cpu) == Counter(SERVICE_NAMES), "one autoscaler per service"


def test_keda_reads_the_nats_cluster_bureau_uses() -> None:
    """The monitoring endpoint is the headless Service beside the client Service."""
    nats_url = configmap("bureau-config")["data"]["BUREAU_NATS_URL"]
    client_host = nats_url.split("://", 1)[1].split(",")[0].rsplit(":", 1)[0]
    name, _, domain = client_host.partition(".")
    for scaled in scaled_objects():
        for trigger in scaled["spec"]["triggers"]:
            endpoint = trigger["metadata"]["natsServerMonitoringEndpoint"]
            assert endpoint == f"{name}-headless.{domain}:8222"


# --- kustomize, when kubectl is at hand ---------------------------------------------------


def kustomize(directory: Path) -> list[Doc]:
    kubectl, missing = kustomize_tool()
    if kubectl is None:
        pytest.skip(str(missing))
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def test_base_builds() -> None:
    built = kustomize(K8S)
    kinds = Counter(d["kind"] for d in built)
    assert kinds["Deployment"] == len(SERVICE_NAMES)
    assert kinds["Secret"] == 0, "the base must not ship a Secret"
    for doc in built:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "bureau", name_of(doc)


def test_base_builds_with_autoscaling(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    rel = Path(os.path.relpath(K8S, overlay))
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [str(rel)],
                "components": [str(rel / "autoscaling")],
            }
        )
    )
    built = kustomize(overlay)
    for doc in built:
        if doc["kind"] == "Deployment":
            assert "replicas" not in doc["spec"], "the autoscalers own the replica count"
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "bureau", name_of(doc)
    kinds = Counter(d["kind"] for d in built)
    assert kinds["ScaledObject"] + kinds["HorizontalPodAutoscaler"] == len(SERVICE_NAMES)
