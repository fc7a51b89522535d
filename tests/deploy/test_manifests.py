"""deploy/: every Kubernetes manifest is valid (strict schema, offline, pinned Kubernetes version),
the objects agree with each other and with the app (probe paths, commands, settings), and the
Dockerfile keeps its promises. `docker build` itself cannot run here (no Docker engine)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"

# The Kubernetes version the manifests are checked against; kubernetes-validate 1.37.0 ships its
# schemas (validate() silently falls back to an older schema set, hence the check of its answer).
K8S_VERSION = "1.37.0"
NAMESPACE = "rappel"
APP_IMAGE = "ghcr.io/example/rappel"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job", "CronJob"}
CLUSTER_SCOPED = {"Namespace"}
# Read by something other than config/settings.py.
ENV_READ_ELSEWHERE = {
    "DATABASE_URL": "dj_database_url.config() in the settings",
    "WEB_CONCURRENCY": "gunicorn (number of workers)",
    "POSTGRES_USER": "postgres image",
    "POSTGRES_PASSWORD": "postgres image",
    "POSTGRES_DB": "postgres image",
}


def load_manifests() -> list[tuple[str, dict]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        documents += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


MANIFESTS = load_manifests()


def doc_id(item: tuple[str, dict]) -> str:
    name, doc = item
    return f"{name}:{doc['kind']}/{doc['metadata']['name']}"


def objects(kind: str) -> list[dict]:
    return [doc for _, doc in MANIFESTS if doc["kind"] == kind]


def one(kind: str, name: str) -> dict:
    found = [doc for doc in objects(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} named {name}, found {len(found)}"
    return found[0]


def pod_template(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]
    return workload["spec"]["template"]


def workloads() -> list[dict]:
    return [doc for _, doc in MANIFESTS if doc["kind"] in WORKLOAD_KINDS]


def containers() -> Iterator[tuple[dict, dict]]:
    """(workload, container) for every container of every workload."""
    for workload in workloads():
        spec = pod_template(workload)["spec"]
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield workload, container


def container_id(item: tuple[dict, dict]) -> str:
    workload, container = item
    return f"{workload['kind']}/{workload['metadata']['name']}/{container['name']}"


CONTAINERS = list(containers())
APP_CONTAINERS = [item for item in CONTAINERS if item[1]["image"].startswith(f"{APP_IMAGE}:")]
SELECTING_WORKLOADS = [workload for workload in workloads() if "selector" in workload["spec"]]


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def selected_workloads(selector: dict) -> list[dict]:
    return [w for w in workloads() if selects(selector, pod_template(w)["metadata"]["labels"])]


def container_ports(workload: dict) -> dict[str, int]:
    spec = pod_template(workload)["spec"]
    return {port["name"]: port["containerPort"] for c in spec["containers"] for port in c.get("ports", [])}


def web() -> dict:
    return one("Deployment", "rappel-web")


def web_container() -> dict:
    (container,) = pod_template(web())["spec"]["containers"]
    return container


def config_data() -> dict[str, str]:
    return one("ConfigMap", "rappel-config")["data"]


def secret_data(name: str) -> dict[str, str]:
    return one("Secret", name)["stringData"]


QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi)?$")
FACTOR = {None: 1, "m": 1e-3, "k": 1e3, "Ki": 2**10, "M": 1e6, "Mi": 2**20, "G": 1e9, "Gi": 2**30}


def quantity(value: str | int) -> float:
    match = QUANTITY.match(str(value))
    assert match, f"unreadable quantity {value!r}"
    return float(match[1]) * FACTOR[match[2]]


# --- schema -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("item", MANIFESTS, ids=doc_id)
def test_manifest_is_valid_for_the_pinned_kubernetes_version(item):
    name, doc = item
    try:
        used = kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(
            f"{name}: {doc['kind']} invalid for Kubernetes {error.version} at {path}: {error.message}"
        )
    assert used == K8S_VERSION.rsplit(".", 1)[0]


def test_strict_validation_rejects_a_misspelt_field():
    # The safety net itself: strict mode must refuse a field the schema does not know.
    doc = json.loads(json.dumps(web()))
    doc["spec"]["replica"] = doc["spec"].pop("replicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest_file_and_nothing_else():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {path.name for path in K8S.glob("*.y*ml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)
    assert kustomization["namespace"] == NAMESPACE
    assert [image["name"] for image in kustomization["images"]] == [APP_IMAGE]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomization_renders_to_the_same_valid_objects():
    result = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    key = lambda doc: (doc["kind"], doc["metadata"]["name"])  # noqa: E731
    assert sorted(map(key, rendered)) == sorted(key(doc) for _, doc in MANIFESTS)
    for doc in rendered:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize("item", MANIFESTS, ids=doc_id)
def test_every_object_is_labelled_and_in_the_namespace(item):
    _, doc = item
    labels = doc["metadata"].get("labels", {})
    assert labels.get("app.kubernetes.io/name") == "rappel"
    if doc["kind"] in CLUSTER_SCOPED:
        assert "namespace" not in doc["metadata"]
    else:
        assert doc["metadata"]["namespace"] == NAMESPACE
        assert labels.get("app.kubernetes.io/component")
    if doc["kind"] in WORKLOAD_KINDS:
        pod_labels = pod_template(doc)["metadata"]["labels"]
        assert pod_labels["app.kubernetes.io/name"] == "rappel" and pod_labels["app.kubernetes.io/component"]


def test_the_namespace_enforces_the_restricted_pod_security_profile():
    (namespace,) = objects("Namespace")
    assert namespace["metadata"]["name"] == NAMESPACE
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


# --- probes -----------------------------------------------------------------------------------------


def test_probe_paths_exist_in_the_url_conf():
    container = web_container()
    readiness, liveness = container["readinessProbe"]["httpGet"], container["livenessProbe"]["httpGet"]
    assert resolve(readiness["path"]).url_name == "readyz"
    assert resolve(liveness["path"]).url_name == "healthz"
    port_names = {port["name"] for port in container["ports"]}
    assert readiness["port"] in port_names and liveness["port"] in port_names


def probe_requests() -> list[tuple[str, dict[str, str]]]:
    container = web_container()
    return [
        (probe["httpGet"]["path"], {h["name"]: h["value"] for h in probe["httpGet"].get("httpHeaders", [])})
        for probe in (container["readinessProbe"], container["livenessProbe"])
    ]


PROBE_SCRIPT = """
import json, sys
import django
django.setup()
from django.test import Client
answers = []
for path, headers in json.loads(sys.argv[1]):
    response = Client(headers=headers).get(path)
    answers.append([path, response.status_code, response.content.decode()])
print(json.dumps(answers))
"""


def test_probes_reach_their_views_under_the_production_settings(tmp_path):
    # The settings come from the ConfigMap and the Secret, as in a pod: a probe that Django
    # answered with 400 (unknown Host) or 301 (SSL redirect) would never report the truth.
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **config_data(),
        **secret_data("rappel-secrets"),
        "SECRET_KEY": secrets.token_urlsafe(50),  # the example one is a placeholder that cannot run
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # reachable, not migrated
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE_SCRIPT, json.dumps(probe_requests())],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answers = {path: (status, body) for path, status, body in json.loads(result.stdout.splitlines()[-1])}
    assert answers["/healthz"] == (200, json.dumps({"status": "ok"}))
    status, body = answers["/readyz"]
    assert (status, json.loads(body)["status"]) == (503, "migrating")


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("rappel_healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docker_healthcheck_asks_for_healthz_with_an_allowed_host():
    healthcheck = load_healthcheck()
    assert resolve(urlsplit(healthcheck.URL).path).url_name == "healthz"
    assert healthcheck.probe_host(allowed_hosts="rappel.example.org,www.example.org") == "rappel.example.org"
    assert healthcheck.probe_host(allowed_hosts=" .example.org") == "example.org"
    assert healthcheck.probe_host(allowed_hosts="*") == "localhost"
    assert healthcheck.probe_host(allowed_hosts="") == "localhost"


# --- objects agree with each other ------------------------------------------------------------------


@pytest.mark.parametrize("service", objects("Service"), ids=lambda s: s["metadata"]["name"])
def test_each_service_selects_the_pods_of_exactly_one_workload(service):
    chosen = selected_workloads(service["spec"]["selector"])
    assert len(chosen) == 1, [w["metadata"]["name"] for w in chosen]
    (workload,) = chosen
    assert workload["kind"] in {"Deployment", "StatefulSet"}
    ports = container_ports(workload)
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in ports or port["targetPort"] in ports.values()


def test_web_service_sends_port_80_to_gunicorn_on_8000():
    service = one("Service", "rappel-web")
    assert service["spec"]["type"] == "ClusterIP"
    (port,) = service["spec"]["ports"]
    container_ports = {p["name"]: p["containerPort"] for p in web_container()["ports"]}
    assert port["port"] == 80 and container_ports[port["targetPort"]] == 8000
    assert selects(service["spec"]["selector"], pod_template(web())["metadata"]["labels"])


@pytest.mark.parametrize("workload", SELECTING_WORKLOADS, ids=lambda w: w["kind"])
def test_workload_selector_matches_its_own_pod_template(workload):
    assert selects(workload["spec"]["selector"]["matchLabels"], pod_template(workload)["metadata"]["labels"])


def test_statefulset_has_its_headless_service():
    statefulset = one("StatefulSet", "rappel-postgres")
    service = one("Service", statefulset["spec"]["serviceName"])
    assert service["spec"]["clusterIP"] == "None"
    assert selects(service["spec"]["selector"], pod_template(statefulset)["metadata"]["labels"])
    assert statefulset["spec"]["volumeClaimTemplates"]
    probe = pod_template(statefulset)["spec"]["containers"][0]["readinessProbe"]
    assert "pg_isready" in " ".join(probe["exec"]["command"])


def test_database_url_points_at_the_postgres_service_with_its_credentials():
    url = urlsplit(secret_data("rappel-secrets")["DATABASE_URL"])
    credentials = secret_data("rappel-postgres")
    service = one("Service", url.hostname)
    assert url.scheme in {"postgres", "postgresql"}
    assert url.port in {port["port"] for port in service["spec"]["ports"]}
    assert (url.username, url.password, url.path.lstrip("/")) == (
        credentials["POSTGRES_USER"],
        credentials["POSTGRES_PASSWORD"],
        credentials["POSTGRES_DB"],
    )


@pytest.mark.parametrize("item", CONTAINERS, ids=container_id)
def test_env_sources_and_volumes_exist(item):
    workload, container = item
    spec = pod_template(workload)["spec"]
    data = {("ConfigMap", d["metadata"]["name"]): d.get("data", {}) for d in objects("ConfigMap")}
    data |= {("Secret", d["metadata"]["name"]): d.get("stringData", {}) for d in objects("Secret")}
    for source in container.get("envFrom", []):
        if ref := source.get("configMapRef"):
            assert ("ConfigMap", ref["name"]) in data
        else:
            assert ("Secret", source["secretRef"]["name"]) in data
    for variable in container.get("env", []):
        for kind, field in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
            if ref := variable.get("valueFrom", {}).get(field):
                assert ref["key"] in data[(kind, ref["name"])]
    volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
    templates = {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
    claims = {claim["metadata"]["name"] for claim in objects("PersistentVolumeClaim")}
    for mount in container.get("volumeMounts", []):
        assert (mount["name"] in volumes) != (mount["name"] in templates), mount["name"]
        if claim := volumes.get(mount["name"], {}).get("persistentVolumeClaim"):
            assert claim["claimName"] in claims


def test_every_setting_in_the_configmap_and_secret_is_read_by_someone():
    # A misspelt key is ignored silently by Django: each one must be a name the settings read.
    source = (ROOT / "config" / "settings.py").read_text()
    for key in [*config_data(), *secret_data("rappel-secrets"), *secret_data("rappel-postgres")]:
        assert f'"{key}"' in source or key in ENV_READ_ELSEWHERE, f"{key} is read by nobody"
    assert "dj_database_url.config(" in source and dj_database_url.DEFAULT_ENV == "DATABASE_URL"


def test_hpa_scales_the_web_deployment_on_cpu():
    (hpa,) = objects("HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", web()["metadata"]["name"])
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 6)
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["averageUtilization"] == 70
    assert web()["spec"]["replicas"] == hpa["spec"]["minReplicas"]
    assert "cpu" in web_container()["resources"]["requests"]  # utilisation is relative to it


def test_pod_disruption_budget_covers_the_web_pods_only():
    (pdb,) = objects("PodDisruptionBudget")
    assert selected_workloads(pdb["spec"]["selector"]["matchLabels"]) == [web()]
    assert pdb["spec"]["minAvailable"] < web()["spec"]["replicas"]


def test_ingress_serves_the_allowed_host_over_tls_to_the_web_service():
    (ingress,) = objects("Ingress")
    (rule,) = ingress["spec"]["rules"]
    host = rule["host"]
    assert [host] == [h for tls in ingress["spec"]["tls"] for h in tls["hosts"]]
    assert all(tls["secretName"] for tls in ingress["spec"]["tls"])
    paths = {path["path"]: path for path in rule["http"]["paths"]}
    assert set(paths) == {"/", "/ws/"}
    for path, service_name in (("/", "rappel-web"), ("/ws/", "rappel-live")):
        backend = paths[path]["backend"]["service"]
        assert paths[path]["pathType"] == "Prefix" and backend["name"] == service_name
        service = one("Service", backend["name"])
        assert backend["port"].get("name") in {p["name"] for p in service["spec"]["ports"]}
    assert host in config_data()["ALLOWED_HOSTS"].split(",")
    assert f"https://{host}" in config_data()["CSRF_TRUSTED_ORIGINS"].split(",")
    assert all(headers["Host"] == host for _, headers in probe_requests())


def test_example_secrets_are_marked_and_hold_only_placeholders():
    for secret in objects("Secret"):
        assert secret["metadata"]["annotations"]["rappel.example.org/example-values"].startswith("true")
        for key, value in secret["stringData"].items():
            if key in {"SECRET_KEY", "DATABASE_URL", "POSTGRES_PASSWORD"}:
                assert "change-me" in value, key


# --- pods: security and resources -------------------------------------------------------------------


def effective(spec: dict, container: dict, key: str):
    return container.get("securityContext", {}).get(key, spec.get("securityContext", {}).get(key))


@pytest.mark.parametrize("item", CONTAINERS, ids=container_id)
def test_container_runs_non_root_read_only_and_unprivileged(item):
    workload, container = item
    spec = pod_template(workload)["spec"]
    context = container.get("securityContext", {})
    assert effective(spec, container, "runAsNonRoot") is True
    assert effective(spec, container, "runAsUser") not in {None, 0}
    assert context.get("readOnlyRootFilesystem") is True
    assert context.get("allowPrivilegeEscalation") is False
    assert context.get("capabilities", {}).get("drop") == ["ALL"]
    assert (effective(spec, container, "seccompProfile") or {}).get("type") == "RuntimeDefault"
    assert not any(volume.get("hostPath") for volume in spec.get("volumes", []))


@pytest.mark.parametrize("item", CONTAINERS, ids=container_id)
def test_container_has_requests_within_limits(item):
    resources = item[1]["resources"]
    for resource in ("cpu", "memory"):
        assert quantity(resources["requests"][resource]) <= quantity(resources["limits"][resource])


@pytest.mark.parametrize("item", APP_CONTAINERS, ids=container_id)
def test_app_container_runs_as_the_image_user_with_a_writable_tmp(item):
    workload, container = item
    spec = pod_template(workload)["spec"]
    assert effective(spec, container, "runAsUser") == dockerfile_uid()
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    (tmp,) = [mount for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"]
    assert "emptyDir" in volumes[tmp["name"]]


def test_web_deployment_is_non_root_read_only_with_requests_limits_and_two_replicas():
    spec, container = pod_template(web())["spec"], web_container()
    assert web()["spec"]["replicas"] == 2
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    resources = container["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    assert container["image"] == f"{APP_IMAGE}:0.1.0"
    sources = {source.get("configMapRef", source.get("secretRef"))["name"] for source in container["envFrom"]}
    assert sources == {"rappel-config", "rappel-secrets"}


# --- setup and maintenance --------------------------------------------------------------------------


def command_line(container: dict) -> str:
    return " ".join(container.get("command", []) + container.get("args", []))


def manage_commands(container: dict) -> list[str]:
    return re.findall(r"manage\.py (\w+)", command_line(container))


def test_every_management_command_in_the_manifests_exists():
    used = {name for _, container in CONTAINERS for name in manage_commands(container)}
    assert {"migrate", "load_course", "load_banks", "clearsessions"} <= used
    assert used <= set(get_commands()), used - set(get_commands())


def test_setup_job_migrates_then_loads_the_course_and_the_banks():
    (job,) = objects("Job")
    (container,) = pod_template(job)["spec"]["containers"]
    steps = manage_commands(container)
    assert steps[0] == "migrate" and steps.index("load_course") < steps.index("load_banks")
    assert " && " in command_line(container)  # a failed step stops the Job (and it retries)
    assert pod_template(job)["spec"]["restartPolicy"] in {"Never", "OnFailure"}


def test_nightly_cronjob_clears_sessions_and_dumps_the_database_to_the_backup_claim():
    cronjob = one("CronJob", "rappel-maintenance")
    assert len(cronjob["spec"]["schedule"].split()) == 5
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    spec = pod_template(cronjob)["spec"]
    assert spec["restartPolicy"] in {"Never", "OnFailure"}
    by_name = {container["name"]: container for container in spec["containers"]}
    assert "manage.py clearsessions" in command_line(by_name["clearsessions"])
    backup = by_name["backup"]
    assert backup["image"].startswith("postgres:")
    assert "pg_dump" in command_line(backup) and '"$DATABASE_URL"' in command_line(backup)
    assert "tail -n +8" in command_line(backup)  # keeps the 7 newest dumps
    reference = {"secretKeyRef": {"name": "rappel-secrets", "key": "DATABASE_URL"}}
    assert {"name": "DATABASE_URL", "valueFrom": reference} in backup["env"]
    (mount,) = [m for m in backup["volumeMounts"] if m["mountPath"] == "/backups"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    assert volume["persistentVolumeClaim"]["claimName"] == "rappel-backups"


def test_nightly_optimizer_runs_before_the_review_day_starts_one_at_a_time():
    cronjob = one("CronJob", "rappel-optimize-fsrs")
    minute, hour, *_rest = cronjob["spec"]["schedule"].split()
    assert cronjob["spec"]["timeZone"] == "Europe/Paris" and int(hour) * 60 + int(minute) < 4 * 60
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = pod_template(cronjob)["spec"]["containers"]
    assert manage_commands(container) == ["optimize_fsrs"]
    assert container["resources"]["limits"]["memory"] in {"1Gi", "1024Mi"}  # ~310 MB at 1M reviews


# --- Dockerfile (read, not built: no Docker engine on this machine) -----------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), " ".join(rest.split())))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def dockerfile_uid() -> int:
    users = [rest for word, rest in final_stage() if word == "USER"]
    assert users, "the final stage sets no USER"
    return int(users[-1].split(":")[0])


def test_dockerfile_is_multi_stage_on_slim_python():
    instructions = dockerfile_instructions()
    arguments = dict(rest.split("=", 1) for word, rest in instructions if word == "ARG" and "=" in rest)
    bases = [rest.split()[0] for word, rest in instructions if word == "FROM"]
    images = [re.sub(r"\$\{(\w+)\}", lambda m: arguments[m[1]], base) for base in bases]
    assert len(images) >= 2
    assert images[-1] == "python:3.12-slim"
    builder = instructions[: len(instructions) - len(final_stage())]
    assert any(word == "RUN" and "pip install" in rest and "-r " in rest for word, rest in builder)
    stages = {rest.split()[-1] for word, rest in instructions if word == "FROM" and " AS " in rest.upper()}
    sources = [rest.split()[0].removeprefix("--from=") for word, rest in final_stage() if "--from=" in rest]
    assert sources and set(sources) <= stages  # the venv comes from a stage of this Dockerfile
    assert any(word == "COPY" and rest.startswith("--from=builder /opt/venv") for word, rest in final_stage())
    assert not any(word == "RUN" and "pip install" in rest for word, rest in final_stage())


def test_dockerfile_runs_as_a_fixed_non_root_uid_matching_the_pods():
    uid = dockerfile_uid()
    assert uid != 0
    assert uid == pod_template(web())["spec"]["securityContext"]["runAsUser"]


def test_dockerfile_collects_static_files_at_build_time_with_dummy_production_settings():
    (run,) = [rest for word, rest in final_stage() if word == "RUN" and "collectstatic" in rest]
    assert "collectstatic --noinput" in run
    for variable in ("DJANGO_DEBUG=0", "SECRET_KEY=", "ALLOWED_HOSTS="):
        assert variable in run
    assert "secrets.token_urlsafe(50)" in run  # a random key: the production settings refuse a weak one


def test_dockerfile_serves_the_wsgi_app_with_gunicorn_and_checks_its_health():
    stage = final_stage()
    (command,) = [json.loads(rest) for word, rest in stage if word == "CMD"]
    module, attribute = settings.WSGI_APPLICATION.rsplit(".", 1)
    assert command[:2] == ["gunicorn", f"{module}:{attribute}"]
    bind = command[command.index("--bind") + 1]
    assert bind == "0.0.0.0:8000" and ("EXPOSE", "8000") in stage
    assert {p["containerPort"] for p in web_container()["ports"]} == {8000}
    (healthcheck,) = [rest for word, rest in stage if word == "HEALTHCHECK"]
    assert "/app/deploy/healthcheck.py" in healthcheck
    environment = " ".join(rest for word, rest in stage if word == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in environment and "PYTHONUNBUFFERED=1" in environment


def test_dockerfile_copies_what_the_app_needs_and_the_context_keeps_local_state_out():
    copies = [rest for word, rest in final_stage() if word == "COPY"]
    copied = {rest.split()[0] for rest in copies if not rest.startswith("--from")}
    for source in copied:
        assert (ROOT / source).exists(), source
    local_apps = {app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    needed = {"manage.py", "config", "templates", "static", "locale", "fixtures", "deploy/healthcheck.py"}
    assert local_apps | needed <= copied
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "db.sqlite3", "tests"} <= ignored
    assert not copied & ignored


# --- live class sessions: ASGI pods and Redis ---------------------------------------------------------


def test_the_live_deployment_serves_the_asgi_application_with_daphne_on_two_pods():
    live = one("Deployment", "rappel-live")
    (container,) = pod_template(live)["spec"]["containers"]
    command = container["command"]
    module, name = settings.ASGI_APPLICATION.rsplit(".", 1)
    assert command[0] == "daphne" and command[-1] == f"{module}:{name}"
    assert command[command.index("--port") + 1] == str(container["ports"][0]["containerPort"])
    assert importlib.util.find_spec("daphne") is not None  # in requirements.txt, so in the image
    assert live["spec"]["replicas"] >= 2
    assert container["image"] == web_container()["image"]
    assert container["envFrom"] == web_container()["envFrom"]  # the same settings as the web pods
    paths = {probe["httpGet"]["path"] for probe in (container["readinessProbe"], container["livenessProbe"])}
    assert paths == {"/readyz", "/healthz"}


def test_the_channel_layer_uses_the_redis_service_of_the_manifests():
    url = urlsplit(config_data()["REDIS_URL"])
    service = one("Service", url.hostname)
    assert url.scheme == "redis" and url.port in {port["port"] for port in service["spec"]["ports"]}
    (redis,) = selected_workloads(service["spec"]["selector"])
    assert redis["kind"] == "Deployment" and redis["metadata"]["name"] == "rappel-redis"
    (container,) = pod_template(redis)["spec"]["containers"]
    assert container["image"].startswith("redis:")
    # Not the record: no snapshot, no append-only file (the database holds every answer).
    args = container["args"]
    assert args[args.index("--save") + 1] == "" and args[args.index("--appendonly") + 1] == "no"


def test_the_settings_pick_redis_for_the_channel_layer_when_redis_url_is_set(tmp_path):
    code = (
        "from django.conf import settings;"
        "layer = settings.CHANNEL_LAYERS['default'];"
        "print(layer['BACKEND'], layer.get('CONFIG'))"
    )
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    base.pop("REDIS_URL", None)
    run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    memory = subprocess.run(run, cwd=ROOT, env=base, capture_output=True, text=True, check=True).stdout
    assert memory.startswith("channels.layers.InMemoryChannelLayer")
    redis_env = {**base, "REDIS_URL": config_data()["REDIS_URL"]}
    redis = subprocess.run(run, cwd=ROOT, env=redis_env, capture_output=True, text=True, check=True).stdout
    assert redis.startswith("channels_redis.core.RedisChannelLayer") and "rappel-redis:6379" in redis


def test_the_redis_layer_waits_longer_than_its_blocking_receive():
    """redis-py's default read timeout (5 s) equals channels-redis's blocking receive: a quiet
    socket would crash on "Timeout reading". The settings give the reads more time."""
    from channels_redis.core import RedisChannelLayer

    source = (ROOT / "config" / "settings.py").read_text()
    timeout = float(re.search(r'"socket_timeout": (\d+)', source).group(1))
    assert timeout > RedisChannelLayer.brpop_timeout
    # redis-py 8 raises past 100 connections at once in a pool: a room joining needs more.
    assert int(re.search(r'"max_connections": (\d+)', source).group(1)) >= 1000
