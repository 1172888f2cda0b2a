"""The Kubernetes manifests (deploy/kubernetes): each overlay renders, every object is valid
for Kubernetes 1.31 (the schemas kubernetes-validate carries, offline; Istio's published
VirtualService schema for the one Istio object), and what the manifests say matches what the
app reads: settings names and values, the port, the probes, the secrets, the permissions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from designer.settings import load_settings
from tests.fixtures.istio_schema import virtual_service_validator
from tests.fixtures.kustomize import pod_containers, render

ROOT = Path(__file__).resolve().parents[3]
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("standalone", "kubeflow")
#: The Kubernetes version validated against (its schemas ship with kubernetes-validate 1.37.0).
KUBERNETES_VERSION = "1.31.0"
#: The web app's one port and its health endpoints (designer serve, designer/server.py).
APP_PORT = 3000
LIVENESS, READINESS = "/healthz", "/readyz"
#: Settings whose values are secrets: only ever from a Secret, never written in a manifest.
SECRET_SETTINGS = {
    "DESIGNER_DATABASE_URL",  # carries the database password
    "DESIGNER_S3_ACCESS_KEY",
    "DESIGNER_S3_SECRET_KEY",
    "DESIGNER_OIDC_CLIENT_SECRET",
    "DESIGNER_KFP_TOKEN",
    "DESIGNER_K8S_TOKEN",
    "DESIGNER_METRICS_TOKEN",
}


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(KUBERNETES / "overlays" / request.param)


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and name in (None, o["metadata"].get("name"))]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def pod_spec(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objects, "Deployment")["spec"]["template"]["spec"]


def app_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in pod_spec(objects)["containers"] if c["name"] == "designer")


def settings_env(objects: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """The container's environment as the app would see it, secrets as placeholders."""
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        env.update(one(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for item in container.get("env") or []:
        env[item["name"]] = item.get("value", f"<secret {item['name']}>")
    return env


def settings_read() -> set[str]:
    """The DESIGNER_* names the app reads: every one designer/settings.py names, and those read
    straight from the environment elsewhere (``os.environ.get("DESIGNER_BLOCK_IMAGE", ...)``)."""
    read = set(re.findall(r'"(DESIGNER_[A-Z0-9_]+)"', (ROOT / "designer/settings.py").read_text()))
    direct = re.compile(r'(?:environ\.get\(|environ\[|getenv\()\s*"(DESIGNER_[A-Z0-9_]+)"')
    for package in ("designer", "blocks"):
        for source in (ROOT / package).rglob("*.py"):
            read |= set(direct.findall(source.read_text()))
    return read


def test_the_overlays_render_each_object_once() -> None:
    rendered = {name: render(KUBERNETES / "overlays" / name) for name in OVERLAYS}
    for name, objects in rendered.items():
        kinds = sorted(o["kind"] for o in objects)
        for kind in ("ConfigMap", "Deployment", "PersistentVolumeClaim", "Role", "RoleBinding"):
            assert kind in kinds, f"{name} lacks a {kind}"
        assert kinds.count("Deployment") == 1


def test_every_object_is_valid_for_kubernetes(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, objects = overlay
    for obj in objects:
        where = f"{name}: {obj['kind']} {obj['metadata'].get('name')}"
        if obj["apiVersion"].startswith("networking.istio.io/"):
            errors = list(virtual_service_validator(obj["apiVersion"]).iter_errors(obj))
            assert not errors, f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}"
            continue
        try:
            # strict: unknown fields are errors, as the API server's strict field validation.
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{where}: {exc.message} at {list(exc.path)}")


@pytest.mark.parametrize(
    "broken",
    [
        {"spec": {"replicas": "one"}},
        {"spec": {"template": {"spec": {"containerz": []}}}},
    ],
    ids=["wrong type", "unknown field"],
)
def test_validation_refuses_a_broken_deployment(broken: dict[str, Any]) -> None:
    """The check above can fail: a Deployment with a mistake is refused."""
    from tests.fixtures.kustomize import strategic_merge

    deployment = one(render(KUBERNETES / "overlays" / "standalone"), "Deployment")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(
            strategic_merge(deployment, broken), KUBERNETES_VERSION, strict=True
        )


def test_probes_hit_the_health_endpoints_on_the_port_the_service_targets(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = overlay
    container = app_container(objects)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert list(ports.values()) == [APP_PORT]

    def port_number(port: int | str) -> int:
        return ports[port] if isinstance(port, str) else port

    for probe, path in (
        ("startupProbe", LIVENESS),
        ("livenessProbe", LIVENESS),
        ("readinessProbe", READINESS),
    ):
        get = container[probe]["httpGet"]
        assert (get["path"], port_number(get["port"])) == (path, APP_PORT), probe
    service = one(objects, "Service", "designer")
    assert [port_number(p["targetPort"]) for p in service["spec"]["ports"]] == [APP_PORT]
    labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    # designer serve listens on every address, on that port.
    command = container["command"]
    assert command[:2] == ["designer", "serve"]
    assert command[command.index("--port") + 1] == str(APP_PORT)
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_migrations_run_first_with_the_apps_database(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = overlay
    (migrate,) = pod_spec(objects)["initContainers"]
    assert migrate["command"] == ["designer", "db", "upgrade"]
    assert migrate["image"] == app_container(objects)["image"]
    app_env = settings_env(objects, app_container(objects))
    init_env = settings_env(objects, migrate)
    for name in ("DESIGNER_HOME", "DESIGNER_DATABASE_URL"):
        assert init_env.get(name) == app_env.get(name), name
    assert {m["mountPath"] for m in migrate["volumeMounts"]} >= {app_env["DESIGNER_HOME"]}


def test_every_setting_named_is_one_the_app_reads(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _, objects = overlay
    read = settings_read()
    named: set[str] = set()
    for container in pod_containers(objects):
        named |= {item["name"] for item in container.get("env") or []}
    for config_map in (o for o in objects if o["kind"] == "ConfigMap"):
        named |= set(config_map["data"])
    designer_names = {n for n in named if n.startswith("DESIGNER_")}
    assert designer_names, "no settings found"
    assert designer_names - read == set()


def test_the_settings_load_and_say_what_the_overlay_means(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    name, objects = overlay
    env = settings_env(objects, app_container(objects))
    settings = load_settings(env)  # a bad value (a typo in a choice) raises here
    mounts = {m["mountPath"]: m["name"] for m in app_container(objects)["volumeMounts"]}
    home_volume = next(
        v for v in pod_spec(objects)["volumes"] if v["name"] == mounts[str(settings.home)]
    )
    claim = home_volume["persistentVolumeClaim"]["claimName"]
    assert one(objects, "PersistentVolumeClaim", claim)
    namespace = one(objects, "Deployment")["metadata"]["namespace"]
    if name == "standalone":
        assert settings.database_url == f"sqlite:///{settings.home}/designer.db"
        assert settings.storage is None and settings.kubeflow is None
        assert settings.kubernetes is None
    else:
        assert settings.database_url == "<secret DESIGNER_DATABASE_URL>"
        assert settings.storage is not None and settings.kubeflow is not None
        # Runs go to the designer's own namespace, where its Role grants what it needs.
        assert settings.kubeflow.namespace == namespace
        assert settings.kubernetes is not None and settings.kubernetes.in_cluster
        assert pod_spec(objects)["automountServiceAccountToken"] is True
        assert settings.oidc is not None and not settings.spare_worker
        storage_rule = next(
            r for r in one(objects, "Role", "designer")["rules"] if r["resources"] == ["secrets"]
        )
        assert storage_rule["resourceNames"] == [settings.kubeflow.storage_secret]


def test_secrets_are_referenced_never_written(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    assert [o for o in objects if o["kind"] == "Secret"] == []
    for config_map in (o for o in objects if o["kind"] == "ConfigMap"):
        assert set(config_map["data"]) & SECRET_SETTINGS == set()
    for container in pod_containers(objects):
        for item in container.get("env") or []:
            secretish = item["name"] in SECRET_SETTINGS or re.search(
                r"(KEY|TOKEN|SECRET|PASSWORD)$", item["name"]
            )
            if secretish:
                assert "value" not in item, item["name"]
                assert set(item["valueFrom"]) == {"secretKeyRef"}, item["name"]


def test_pods_run_unprivileged(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    pod = pod_spec(objects)
    context = pod["securityContext"]
    assert context["runAsNonRoot"] is True and context["runAsUser"] != 0
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in pod_containers(objects):
        own = container["securityContext"]
        assert own["allowPrivilegeEscalation"] is False, container["name"]
        assert own["capabilities"]["drop"] == ["ALL"], container["name"]
        assert own.get("privileged", False) is False
        assert own.get("runAsUser", context["runAsUser"]) != 0
    # The image's user is the one the pod runs as.
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert f"--uid {context['runAsUser']} " in dockerfile


def test_every_container_asks_for_resources(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    for container in pod_containers(objects):
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), container["name"]
        assert "memory" in resources["limits"], container["name"]


# -- permissions: exactly what the code asks of the APIs -------------------------------------

#: Kubernetes client methods the designer calls, as (API group, resource, verb).
CORE_CALLS = {
    "read_namespaced_pod_log": ("", "pods/log", "get"),
    "read_namespaced_secret": ("", "secrets", "get"),
}
CUSTOM_VERBS = {
    "get": "get",
    "list": "list",
    "create": "create",
    "patch": "patch",
    "delete": "delete",
}
#: kfp.Client methods the designer calls, and what Kubeflow Pipelines authorises each as
#: (checked in kfp's client: create_experiment lists experiments by name before creating).
KFP_CALLS = {
    "create_experiment": {("experiments", "list"), ("experiments", "create")},
    "create_run_from_pipeline_package": {
        ("experiments", "list"),
        ("experiments", "create"),
        ("runs", "create"),
    },
    "get_run": {("runs", "get")},
    "list_runs": {("runs", "list")},
    "terminate_run": {("runs", "terminate")},
    "create_recurring_run": {("jobs", "create")},
    "get_recurring_run": {("jobs", "get")},
    "enable_recurring_run": {("jobs", "enable")},
    "disable_recurring_run": {("jobs", "disable")},
    "delete_recurring_run": {("jobs", "delete")},
}


def kubernetes_calls() -> set[tuple[str, str, str]]:
    """(group, resource, verb) of every Kubernetes API call in designer/cluster/."""
    from designer.cluster import kserve

    needed: set[tuple[str, str, str]] = set()
    for source in (ROOT / "designer" / "cluster").glob("*.py"):
        text = source.read_text()
        for method in re.findall(r"\.(\w+_namespaced_\w+)\(", text):
            if method in CORE_CALLS:
                needed.add(CORE_CALLS[method])
                continue
            verb, _, kind = method.partition("_namespaced_")
            assert kind == "custom_object", f"{source.name}: {method} is not in CORE_CALLS"
            assert source.name == "kserve.py", f"{source.name}: custom objects of which group?"
            needed.add((kserve.GROUP, kserve.PLURAL, CUSTOM_VERBS[verb]))
    return needed


def kfp_calls() -> set[tuple[str, str, str]]:
    """(group, resource, verb) Kubeflow Pipelines checks for the kfp.Client calls made."""
    needed: set[tuple[str, str, str]] = set()
    for source in (ROOT / "designer" / "runs").glob("*.py"):
        for method in re.findall(r"\bclient\.(\w+)\(", source.read_text()):
            assert method in KFP_CALLS, f"{source.name}: kfp.Client.{method} is not in KFP_CALLS"
            needed |= {("pipelines.kubeflow.org", r, v) for r, v in KFP_CALLS[method]}
    return needed


def granted(objects: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    rules = [r for o in objects if o["kind"] == "Role" for r in o["rules"]]
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_the_role_grants_exactly_what_the_code_calls(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    name, objects = overlay
    needed = kubernetes_calls() | (kfp_calls() if name == "kubeflow" else set())
    assert ("serving.kserve.io", "inferenceservices", "patch") in needed  # the scan works
    assert granted(objects) == needed
    assert not [o for o in objects if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    for binding in (o for o in objects if o["kind"] == "RoleBinding"):
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "designer"}]
        assert one(objects, "Role", binding["roleRef"]["name"])
    assert pod_spec(objects)["serviceAccountName"] == "designer"


def test_the_virtual_service_routes_to_the_service(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    name, objects = overlay
    services = [o for o in objects if o["kind"] == "VirtualService"]
    if name != "kubeflow":
        assert services == []
        return
    (virtual,) = services
    service = one(objects, "Service", "designer")
    namespace = service["metadata"]["namespace"]
    (route,) = virtual["spec"]["http"]
    (destination,) = route["route"]
    assert destination["destination"] == {
        "host": f"designer.{namespace}.svc.cluster.local",
        "port": {"number": service["spec"]["ports"][0]["port"]},
    }
    public = settings_env(objects, app_container(objects))["DESIGNER_PUBLIC_URL"]
    assert virtual["spec"]["hosts"] == [public.removeprefix("https://")]


def test_the_virtual_service_schema_refuses_a_mistake() -> None:
    virtual = one(render(KUBERNETES / "overlays" / "kubeflow"), "VirtualService")
    virtual["spec"]["http"][0]["route"][0]["destination"]["port"] = {"numbr": 80}
    with pytest.raises(jsonschema.ValidationError):
        virtual_service_validator(virtual["apiVersion"]).validate(virtual)
