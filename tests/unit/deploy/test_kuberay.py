"""deploy/kuberay: the KubeRay manifests are well-formed, valid for the CRDs, pinned to one Ray, and hand Sentinel
only real settings.

No Kubernetes API server (nor the KubeRay operator) runs here, so the RayCluster and RayJob are validated client-side
against a trimmed JSON Schema of KubeRay's ray.io/v1 CRDs kept in tests/fixtures/schemas (provenance in its README),
then checked for what the schema cannot see: one Ray version everywhere (the `ray` extra of pyproject.toml, image
tags, rayVersion, the Dockerfile), resources on every container, references between the objects, the campaign
entrypoint, and the SENTINEL_* variables against the Settings model.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any, get_args

import click
import jsonschema
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from actors.campaign import load_campaign
from agent_core.settings import Settings
from api.cli import cli

REPO = Path(__file__).resolve().parents[3]
KUBERAY_DIR = REPO / "deploy" / "kuberay"
SCHEMA_FILE = REPO / "tests" / "fixtures" / "schemas" / "kuberay-v1.json"
PYPROJECT: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

NAMESPACE = "sentinel"
SECRET_EXAMPLE = "secret.example.yaml"
PLACEHOLDER = "REPLACE_ME"
RAY_IMAGE_REPOSITORY = "rayproject/ray"
SENTINEL_IMAGE_REPOSITORY = "ghcr.io/sentinel-api/sentinel"


def _load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


MANIFEST_FILES = sorted(p for p in KUBERAY_DIR.iterdir() if p.suffix in {".yaml", ".yml"})
KUSTOMIZATION: dict[str, Any] = _load(KUBERAY_DIR / "kustomization.yaml")[0]
# Every Kubernetes object in the folder, with the file it comes from (the kustomization is kustomize's, not one).
OBJECTS: list[tuple[str, dict[str, Any]]] = [
    (path.name, doc) for path in MANIFEST_FILES if path.name != "kustomization.yaml" for doc in _load(path)
]


def the_object(kind: str, name: str) -> dict[str, Any]:
    found = [doc for _, doc in OBJECTS if doc.get("kind") == kind and doc.get("metadata", {}).get("name") == name]
    assert len(found) == 1, f"expected one {kind} {name} in deploy/kuberay, found {len(found)}"
    return found[0]


RAYCLUSTER = the_object("RayCluster", "sentinel")
RAYJOB = the_object("RayJob", "sentinel-campaign")
SETTINGS_CONFIGMAP = the_object("ConfigMap", "sentinel-settings")
CAMPAIGN_CONFIGMAP = the_object("ConfigMap", "sentinel-campaign")
SECRET = the_object("Secret", "sentinel-secrets")
CLUSTER_SPECS = {"RayCluster": RAYCLUSTER["spec"], "RayJob": RAYJOB["spec"]["rayClusterSpec"]}

# -- Kubernetes objects ---------------------------------------------------------------------------------------------

# RFC 1123 labels: the rule for namespaces and services, and KubeRay derives service and pod names from its objects'.
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# `v1` (the core group) or `group/version`: the group a DNS subdomain, the version v1, v1beta1...
_API_VERSION = re.compile(
    r"^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?v\d+(?:(?:alpha|beta)\d+)?$"
)


def test_the_folder_holds_the_expected_files() -> None:
    names = {p.name for p in KUBERAY_DIR.iterdir()}
    expected = {
        "namespace.yaml",
        "settings-configmap.yaml",
        "campaign-configmap.yaml",
        "raycluster.yaml",
        "rayjob.yaml",
        SECRET_EXAMPLE,
        "kustomization.yaml",
        "Dockerfile",
        "Dockerfile.dockerignore",
        "README.md",
    }
    assert expected <= names


def test_every_document_is_a_well_formed_kubernetes_object() -> None:
    assert OBJECTS
    seen: set[tuple[str, str]] = set()
    for file, doc in OBJECTS:
        assert isinstance(doc.get("apiVersion"), str) and _API_VERSION.match(doc["apiVersion"]), file
        assert isinstance(doc.get("kind"), str) and re.fullmatch(r"[A-Z][A-Za-z0-9]*", doc["kind"]), file
        name = doc.get("metadata", {}).get("name")
        assert isinstance(name, str) and len(name) <= 63 and _DNS1123_LABEL.match(name), f"{file}: bad name {name!r}"
        assert "status" not in doc, f"{file}: {doc['kind']} {name} carries a status"
        assert (doc["kind"], name) not in seen, f"{file}: {doc['kind']} {name} is defined twice"
        seen.add((doc["kind"], name))
        for key, value in doc["metadata"].get("labels", {}).items():
            assert isinstance(value, str) and len(value) <= 63, f"{file}: label {key} must be a short string"


def test_every_object_lives_in_the_one_namespace() -> None:
    namespaces = [doc for _, doc in OBJECTS if doc["kind"] == "Namespace"]
    assert [ns["metadata"]["name"] for ns in namespaces] == [NAMESPACE]
    assert "namespace" not in namespaces[0]["metadata"], "a Namespace is cluster-scoped"
    assert KUSTOMIZATION["namespace"] == NAMESPACE
    for file, doc in OBJECTS:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, f"{file}: {doc['kind']} is not in {NAMESPACE}"


def test_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    assert KUSTOMIZATION["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert KUSTOMIZATION["kind"] == "Kustomization"
    resources = KUSTOMIZATION["resources"]
    assert len(resources) == len(set(resources))
    assert resources[0] == "namespace.yaml", "the namespace comes first"
    # The example Secret holds placeholders: applying it would overwrite a real Secret.
    expected = {path.name for path in MANIFEST_FILES} - {"kustomization.yaml", SECRET_EXAMPLE}
    assert set(resources) == expected


# -- the KubeRay CRDs -----------------------------------------------------------------------------------------------


def kuberay_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in kuberay_validator().iter_errors(doc)]


@pytest.mark.parametrize("kind", ["RayCluster", "RayJob"])
def test_custom_resources_follow_the_kuberay_crds(kind: str) -> None:
    documents = [doc for _, doc in OBJECTS if doc["kind"] == kind]
    assert documents
    for doc in documents:
        assert schema_errors(doc) == []


def _at(doc: Any, path: str) -> tuple[Any, Any]:
    """The container holding the last key of a dotted path (numbers index lists), and that key."""
    keys: list[Any] = [int(part) if part.isdigit() else part for part in path.split(".")]
    for key in keys[:-1]:
        doc = doc[key]
    return doc, keys[-1]


_DELETE = object()


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("RayCluster", "spec.headGroupSpec.rayStartParams.num-cpus", 0),
        ("RayCluster", "spec.workerGroupSpecs.0.replicas", "2"),
        ("RayCluster", "spec.workerGroupSpecs.0.maxReplicas", 2**31),
        ("RayCluster", "spec.workerGroupSpecs.0.groupName", _DELETE),
        ("RayCluster", "spec.workerGroupSpecs.0.rayStartParams", _DELETE),
        ("RayCluster", "spec.workerGroupSpec", []),
        ("RayCluster", "spec.rayVersion", 2.6),
        ("RayCluster", "spec.autoscalerOptions.upscalingMode", "Fast"),
        ("RayCluster", "spec.headGroupSpec.template.spec.containers.0.resources.limits.memory", "4GB"),
        ("RayCluster", "spec.headGroupSpec.template.spec.containers.0.resources.limit", {"cpu": "1"}),
        ("RayCluster", "spec.headGroupSpec.template.spec.containers.0.envFrom.0.configMapRef.nmae", "x"),
        ("RayCluster", "spec.headGroupSpec.template.spec.containers", []),
        ("RayCluster", "apiVersion", "ray.io/v1alpha1"),
        ("RayJob", "spec.shutdownAfterJobFinishes", "true"),
        ("RayJob", "spec.ttlSecondsAfterFinished", "600"),
        ("RayJob", "spec.entryPoint", "sentinel campaign run x.yaml"),
        ("RayJob", "spec.submitterPodTemplate.spec.restartPolicy", "Sometimes"),
        ("RayJob", "spec.rayClusterSpec.headGroupSpec.template", _DELETE),
        ("RayJob", "metadata.name", "Sentinel_Campaign"),
        ("RayJob", "status", {}),
    ],
)
def test_the_schema_rejects_broken_manifests(kind: str, path: str, value: Any) -> None:
    """The validator is live: typical mistakes (unquoted numbers, typos, wrong types) fail it."""
    broken = copy.deepcopy(RAYCLUSTER if kind == "RayCluster" else RAYJOB)
    parent, key = _at(broken, path)
    if value is _DELETE:
        del parent[key]
    else:
        parent[key] = value
    assert schema_errors(broken)


# -- one Ray version everywhere -------------------------------------------------------------------------------------

_RAY_PIN = re.compile(r"^ray(?:\[[\w,\s-]*\])?\s*==\s*(?P<version>\d+\.\d+\.\d+)\s*(?:;.*)?$")


@pytest.fixture(scope="module")
def ray_version() -> str:
    requirements = PYPROJECT["project"].get("optional-dependencies", {}).get("ray", [])
    pins = [match["version"] for requirement in requirements if (match := _RAY_PIN.match(requirement.strip()))]
    if len(pins) != 1:
        pytest.fail(
            "pyproject.toml has no exact Ray pin in the `ray` extra ([project.optional-dependencies] "
            f'ray = ["ray==X.Y.Z"]; found {requirements!r}): deploy/kuberay pins its images and rayVersion to it',
            pytrace=False,
        )
    return pins[0]


def sentinel_image(ray_version: str) -> str:
    return f"{SENTINEL_IMAGE_REPOSITORY}:{PYPROJECT['project']['version']}-ray{ray_version}"


def pod_containers() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every container KubeRay runs from the manifests: head, workers and the job submitter."""
    for where, spec in CLUSTER_SPECS.items():
        groups = [("head", spec["headGroupSpec"])]
        groups += [(group["groupName"], group) for group in spec.get("workerGroupSpecs", [])]
        for group_name, group in groups:
            pod = group["template"]["spec"]
            for container in pod["containers"] + pod.get("initContainers", []):
                yield f"{where} {group_name} {container['name']}", container
    submitter = RAYJOB["spec"]["submitterPodTemplate"]["spec"]
    for container in submitter["containers"] + submitter.get("initContainers", []):
        yield f"RayJob submitter {container['name']}", container


def test_ray_version_is_the_pinned_one(ray_version: str) -> None:
    for where, spec in CLUSTER_SPECS.items():
        assert spec["rayVersion"] == ray_version, where


def test_every_image_is_the_sentinel_image_for_the_pinned_ray(ray_version: str) -> None:
    expected = sentinel_image(ray_version)
    for where, container in pod_containers():
        assert container["image"] == expected, f"{where} runs {container['image']}, not {expected}"
    for where, spec in CLUSTER_SPECS.items():
        # Without an override the autoscaler sidecar runs the head's image, hence the same Ray.
        assert "image" not in spec.get("autoscalerOptions", {}), f"{where}: the autoscaler must use the head image"


def test_docs_build_the_image_the_manifests_run(ray_version: str) -> None:
    command = f"docker build -f deploy/kuberay/Dockerfile -t {sentinel_image(ray_version)} ."
    assert command in (KUBERAY_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert command in (KUBERAY_DIR / "README.md").read_text(encoding="utf-8")


def test_dockerfile_installs_sentinel_on_the_pinned_ray_image(ray_version: str) -> None:
    dockerfile = (KUBERAY_DIR / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert len(bases) == 2, "a build stage and the runtime stage"
    python = SpecifierSet(PYPROJECT["project"]["requires-python"])
    for base in bases:
        repository, _, tag = base.partition(":")
        assert repository == RAY_IMAGE_REPOSITORY, base
        match = re.fullmatch(r"(?P<ray>\d+\.\d+\.\d+)-py3(?P<minor>\d+)", tag)
        assert match, f"{base}: pin a Ray version and a Python"
        assert match["ray"] == ray_version, f"{base} is not Ray {ray_version}"
        assert python.contains(f"3.{match['minor']}"), f"{base}: Python outside requires-python {python}"
    # The build stage builds every package; the runtime stage installs the wheel with the `ray` extra.
    packages = ["agent_core", *PYPROJECT["tool"]["maturin"]["python-packages"]]
    assert set(packages) <= set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.search(r"pip install .*\.whl\)?\[ray\]", final_stage)
    assert not re.search(r"^(ENTRYPOINT|CMD)\b", final_stage, flags=re.MULTILINE), "KubeRay sets Ray pods' command"
    assert not re.search(r"^USER root", final_stage, flags=re.MULTILINE), "Ray pods run as the image's user ray"
    ignored = (KUBERAY_DIR / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert "agent_core/target" in ignored and "**/.venv" in ignored


# -- the cluster ----------------------------------------------------------------------------------------------------


def test_the_job_runs_on_a_copy_of_the_standing_cluster() -> None:
    assert RAYJOB["spec"]["rayClusterSpec"] == RAYCLUSTER["spec"], "keep rayjob.yaml and raycluster.yaml in step"


_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?P<suffix>[eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$",
)
_MULTIPLIERS = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    **{suffix: Fraction(10 ** (3 * power)) for power, suffix in enumerate("kMGTPE", start=1)},
    **{f"{suffix}i": Fraction(2 ** (10 * power)) for power, suffix in enumerate("KMGTPE", start=1)},
}


def quantity(value: str | int) -> Fraction:
    """A Kubernetes resource quantity (``500m``, ``2``, ``4Gi``, ``1e3``) as an exact number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    match = _QUANTITY.match(str(value))
    assert match, f"not a Kubernetes quantity: {value!r}"
    suffix = match["suffix"] or ""
    # A bare E is exa; E or e with digits is a decimal exponent.
    multiplier = Fraction(10) ** int(suffix[1:]) if len(suffix) > 1 and suffix[0] in "eE" else _MULTIPLIERS[suffix]
    return Fraction(Decimal(match["number"])) * multiplier


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500m", Fraction(1, 2)),
        ("2", Fraction(2)),
        (2, Fraction(2)),
        ("0.5", Fraction(1, 2)),
        ("1.", Fraction(1)),
        ("4Gi", Fraction(4 * 2**30)),
        ("512Mi", Fraction(512 * 2**20)),
        ("100Ki", Fraction(102_400)),
        ("1.5G", Fraction(1_500_000_000)),
        ("1e3", Fraction(1000)),
        ("2E", Fraction(2 * 10**18)),
    ],
)
def test_quantities_parse_like_kubernetes(text: str | int, expected: Fraction) -> None:
    assert quantity(text) == expected


@pytest.mark.parametrize("text", ["4GB", "1.2.3", "", "Mi", "1 Gi", "-"])
def test_malformed_quantities_are_refused(text: str) -> None:
    with pytest.raises(AssertionError, match="not a Kubernetes quantity"):
        quantity(text)


def resourced_containers() -> Iterator[tuple[str, dict[str, Any]]]:
    yield from pod_containers()
    for where, spec in CLUSTER_SPECS.items():
        if spec.get("enableInTreeAutoscaling"):
            # KubeRay adds this sidecar to the head pod (500m/512Mi by default); its resources are set here.
            yield f"{where} autoscaler", spec.get("autoscalerOptions", {})


def test_every_container_requests_and_limits_cpu_and_memory() -> None:
    checked = 0
    for where, container in resourced_containers():
        resources = container.get("resources", {})
        for resource in ("cpu", "memory"):
            request = resources.get("requests", {}).get(resource)
            limit = resources.get("limits", {}).get(resource)
            assert request is not None and limit is not None, f"{where}: set requests and limits of {resource}"
            assert 0 < quantity(request) <= quantity(limit), f"{where}: {resource} request {request} > limit {limit}"
            checked += 1
    # Head and worker of both clusters, both autoscalers, the submitter: cpu and memory each.
    assert checked == 2 * 7


@pytest.mark.parametrize("where", list(CLUSTER_SPECS))
def test_the_head_runs_no_work_and_the_agents_scale(where: str) -> None:
    spec = CLUSTER_SPECS[where]
    head = spec["headGroupSpec"]
    params = head["rayStartParams"]
    assert params["num-cpus"] == "0", "no tasks or actors on the head"
    assert params["dashboard-host"] == "0.0.0.0"
    head_memory = quantity(head["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"])
    assert 0 < quantity(params["object-store-memory"]) < head_memory, "the object store must fit in the head's memory"
    [agents] = spec["workerGroupSpecs"]
    assert agents["groupName"] == "agents"
    assert (agents["minReplicas"], agents["replicas"], agents["maxReplicas"]) == (1, 2, 8)
    assert agents["minReplicas"] <= agents["replicas"] <= agents["maxReplicas"]
    # min/max only move the group when the autoscaler runs.
    assert spec["enableInTreeAutoscaling"] is True


# -- the campaign ---------------------------------------------------------------------------------------------------

CAMPAIGN_KEYS = {"version", "name", "seed", "bus", "store", "budget", "workers", "targets"}
TARGET_KEYS = {"name", "spec", "base_url", "kinds", "rate_limit", "budget"}


def _seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)([smh])", duration)
    assert match, f"not a duration: {duration!r}"
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]


def test_the_job_is_bounded_and_cleans_up_after_itself() -> None:
    spec = RAYJOB["spec"]
    assert spec["shutdownAfterJobFinishes"] is True
    assert spec["ttlSecondsAfterFinished"] > 0
    campaign = yaml.safe_load(CAMPAIGN_CONFIGMAP["data"]["campaign.yaml"])
    # The deadline covers cluster start-up and the campaign's own deadline.
    assert spec["activeDeadlineSeconds"] > _seconds(campaign["budget"]["deadline"])
    # The submitter is a Kubernetes Job's pod: Always is not allowed there.
    assert spec["submitterPodTemplate"]["spec"]["restartPolicy"] in {"Never", "OnFailure"}


def test_the_entrypoint_runs_the_campaign_mounted_on_the_head() -> None:
    argv = shlex.split(RAYJOB["spec"]["entrypoint"])
    assert argv[0] in PYPROJECT["project"]["scripts"], "the entrypoint is the sentinel command"
    assert argv[:3] == ["sentinel", "campaign", "run"] and len(argv) == 4
    campaign = PurePosixPath(argv[3])
    # The entrypoint (the Ray driver) runs on the head: the file must be mounted there.
    head = RAYJOB["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    mounts = {PurePosixPath(m["mountPath"]): m["name"] for m in head["containers"][0].get("volumeMounts", [])}
    assert campaign.parent in mounts, f"{campaign.parent} is not mounted in the head container"
    [volume] = [v for v in head.get("volumes", []) if v["name"] == mounts[campaign.parent]]
    assert volume["configMap"]["name"] == CAMPAIGN_CONFIGMAP["metadata"]["name"]
    # Without items every key of the ConfigMap becomes a file of that name.
    assert "items" not in volume["configMap"]
    assert campaign.name in CAMPAIGN_CONFIGMAP["data"]


def test_the_example_campaign_keeps_to_the_campaign_format() -> None:
    campaign = yaml.safe_load(CAMPAIGN_CONFIGMAP["data"]["campaign.yaml"])
    assert set(campaign) == CAMPAIGN_KEYS
    assert campaign["version"] == 1
    assert isinstance(campaign["seed"], int) and isinstance(campaign["workers"], int)
    assert set(campaign["budget"]) <= {"requests", "deadline"}
    _seconds(campaign["budget"]["deadline"])
    assert campaign["targets"]
    for target in campaign["targets"]:
        assert set(target) <= TARGET_KEYS and {"name", "spec", "base_url"} <= set(target)
        assert set(target.get("kinds", [])) <= {"functional", "negative"}
        assert set(target.get("budget", {})) <= {"requests"}


def test_the_example_campaign_loads_with_the_campaign_model(tmp_path: Path) -> None:
    """Against the real loader as well."""
    file = tmp_path / "campaign.yaml"
    file.write_text(CAMPAIGN_CONFIGMAP["data"]["campaign.yaml"], encoding="utf-8")
    campaign, _ = load_campaign(file)
    # Through Kafka: the pipeline's consumers write the stores, so the campaign names none.
    assert campaign.bus == "kafka" and campaign.stores() == ()


def test_the_entrypoint_parses_as_a_sentinel_command() -> None:
    argv = shlex.split(RAYJOB["spec"]["entrypoint"])
    group = cli.commands[argv[1]]
    assert isinstance(group, click.Group)
    run = group.commands[argv[2]]
    context = run.make_context(argv[2], argv[3:])
    assert str(context.params["file"]) == argv[3]
    # The campaign finds the cluster through RAY_ADDRESS, which Ray sets for a job's entrypoint.
    assert any(getattr(p, "envvar", None) == "RAY_ADDRESS" for p in run.params)


# -- SENTINEL_* settings --------------------------------------------------------------------------------------------


def settings_field(model: type[BaseModel], path: list[str]) -> FieldInfo | None:
    # pydantic-settings matches names case-insensitively; nested models continue the walk.
    fields = {name.lower(): info for name, info in model.model_fields.items()}
    info = fields.get(path[0].lower())
    if info is None or len(path) == 1:
        return info
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return settings_field(annotation, path[1:])
    return None


def settings_path(variable: str) -> list[str]:
    prefix = Settings.model_config["env_prefix"]
    delimiter = Settings.model_config["env_nested_delimiter"]
    assert (prefix, delimiter) == ("SENTINEL_", "__")
    assert variable.startswith(prefix), f"{variable} is not a Sentinel setting"
    return variable.removeprefix(prefix).split(delimiter)


def is_secret(info: FieldInfo) -> bool:
    return SecretStr in (info.annotation, *get_args(info.annotation))


SETTINGS_VARIABLES: dict[str, str] = dict(SETTINGS_CONFIGMAP["data"])
SECRET_VARIABLES: dict[str, str] = dict(SECRET["stringData"])


def test_ray_pods_load_the_settings_and_the_secret() -> None:
    expected = [
        {"configMapRef": {"name": SETTINGS_CONFIGMAP["metadata"]["name"]}},
        {"secretRef": {"name": SECRET["metadata"]["name"]}},
    ]
    for where, spec in CLUSTER_SPECS.items():
        groups = [spec["headGroupSpec"], *spec["workerGroupSpecs"]]
        for group in groups:
            container = group["template"]["spec"]["containers"][0]
            assert container["envFrom"] == expected, f"{where} {container['name']}"
            # Settings come from the two objects only, so the ConfigMap and the Secret are the whole story.
            assert not [e for e in container.get("env", []) if e["name"].startswith("SENTINEL_")]


def test_every_sentinel_variable_is_a_settings_field() -> None:
    assert SETTINGS_VARIABLES and SECRET_VARIABLES
    for variable in [*SETTINGS_VARIABLES, *SECRET_VARIABLES]:
        assert settings_field(Settings, settings_path(variable)) is not None, f"{variable} is not a Settings field"


def test_secret_settings_live_in_the_secret() -> None:
    for variable in SETTINGS_VARIABLES:
        info = settings_field(Settings, settings_path(variable))
        assert info is not None and not is_secret(info), f"{variable} is secret: move it to the Secret"
        assert "PASSWORD" not in variable and "DSN" not in variable, variable
    for variable in SECRET_VARIABLES:
        info = settings_field(Settings, settings_path(variable))
        assert info is not None and is_secret(info), f"{variable} is not secret: move it to the ConfigMap"


def test_the_secret_example_holds_placeholders_only() -> None:
    assert SECRET["type"] == "Opaque"
    # stringData only: base64 `data` would hide what the values are.
    assert "data" not in SECRET
    for variable, value in SECRET_VARIABLES.items():
        assert PLACEHOLDER in value, f"{variable} must be a {PLACEHOLDER} placeholder in {SECRET_EXAMPLE}"
    assert PLACEHOLDER in (KUBERAY_DIR / SECRET_EXAMPLE).read_text(encoding="utf-8").split("\n", 1)[0]


def test_settings_load_from_the_manifests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The values parse, and each reaches the field its name says (a misspelt name would leave the default)."""
    prefix = Settings.model_config["env_prefix"]
    for name in [name for name in os.environ if name.upper().startswith(prefix)]:
        monkeypatch.delenv(name)
    variables = {**SETTINGS_VARIABLES, **SECRET_VARIABLES}
    for variable, value in variables.items():
        monkeypatch.setenv(variable, value)
    settings = Settings()
    for variable, value in variables.items():
        loaded: Any = settings
        for part in settings_path(variable):
            loaded = getattr(loaded, part.lower())
        if isinstance(loaded, SecretStr):
            loaded = loaded.get_secret_value()
        assert str(loaded) == value, f"{variable}={value!r} loaded as {loaded!r}"
