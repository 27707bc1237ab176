"""deploy/compose: the compose file is valid Compose, hangs together, and hands Sentinel only real settings.

No Docker engine (nor the compose plugin) runs here, so the file is validated client-side against the Compose
Specification JSON schema kept in tests/fixtures/schemas (provenance in its README), then checked for what the schema
cannot see: references between services, volumes, mounted files, healthchecks behind conditions, pinned images,
ports on loopback, resource limits, and the SENTINEL_* variables against the Settings model.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from agent_core.settings import Settings

REPO = Path(__file__).resolve().parents[3]
COMPOSE_DIR = REPO / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
SCHEMA_FILE = REPO / "tests" / "fixtures" / "schemas" / "compose-spec.json"
SCHEMA_SHA256 = "10ccd6a9e4f1c64353fe3d12efd2dc8dcc0a55d8e3c516421c882a6b57cbc0e1"

COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
ONE_SHOTS = {name for name, service in SERVICES.items() if service.get("restart") == "no"}
SENTINEL_SERVICES = {name for name in SERVICES if name.startswith("sentinel-")}

_VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` forms; ``$$`` stays a literal ``$``."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op in {":-", "-"}:
            return arg
        raise KeyError(f"{name} is required: {arg}")

    return _VARIABLE.sub(replace, value.replace("$$", "\0")).replace("\0", "$")


TEST_ENV = {
    "POSTGRES_PASSWORD": 'pg "pass" \\ word',
    "ELASTIC_PASSWORD": "elastic-pass",
    "KIBANA_PASSWORD": "kibana-pass",
    "ES_SENTINEL_PASSWORD": "sentinel-pass",
    "KIBANA_ENCRYPTION_KEY": "k" * 32,
}


def environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value), TEST_ENV) for key, value in raw.items()}


# -- the schema -----------------------------------------------------------------------------------------------------


def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # The file names its draft by an address jsonschema does not know; it is draft 2019-09.
    assert schema["$schema"].startswith("http://json-schema.org/draft/2019-09/schema")
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def test_schema_file_is_the_recorded_one() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert SCHEMA_SHA256 in (SCHEMA_FILE.parent / "README.md").read_text(encoding="utf-8")


def test_compose_file_follows_the_compose_specification() -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in compose_validator().iter_errors(COMPOSE)]
    assert errors == []


@pytest.mark.parametrize(
    "broken",
    [
        {"services": {"x": {"image": "a", "helthcheck": {}}}},
        {"services": {"x": {"image": "a", "depends_on": {"y": {"condition": "service_ready"}}}}},
        {"services": {"x": {"image": "a", "deploy": {"resources": {"limits": {"memory": 5}}}}}},
        {"services": {"x y": {"image": "a"}}},
        {"service": {}},
    ],
)
def test_the_schema_rejects_broken_files(broken: dict[str, Any]) -> None:
    """The validator is live: typical mistakes fail it."""
    assert list(compose_validator().iter_errors(broken))


# -- references the schema cannot check -----------------------------------------------------------------------------


def test_dependencies_exist_and_their_conditions_can_be_met() -> None:
    for name, service in SERVICES.items():
        for target, rule in service.get("depends_on", {}).items():
            assert target in SERVICES, f"{name} depends on unknown {target}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[target], f"{name} waits for {target} to be healthy: no healthcheck"
            if rule["condition"] == "service_completed_successfully":
                assert target in ONE_SHOTS, f"{name} waits for {target} to finish, but it restarts"


def test_long_running_services_have_healthchecks_and_restart() -> None:
    for name, service in SERVICES.items():
        if name in ONE_SHOTS:
            continue
        assert service.get("restart") == "unless-stopped", name
        check = service.get("healthcheck")
        assert check and check["test"][0] in {"CMD", "CMD-SHELL"}, f"{name} has no healthcheck"


def test_every_service_has_resource_limits() -> None:
    for name, service in SERVICES.items():
        limits = service["deploy"]["resources"]["limits"]
        assert {"cpus", "memory"} <= set(limits), name


def test_named_volumes_are_declared_and_used() -> None:
    declared = set(COMPOSE["volumes"])
    used: set[str] = set()
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (COMPOSE_DIR / source).is_file(), f"{name} mounts missing {source}"
                assert volume.endswith(":ro"), f"{name} should mount {source} read-only"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
                used.add(source)
    assert used == declared


def test_images_are_pinned() -> None:
    for name, service in SERVICES.items():
        image = interpolate(service["image"], {})
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: pin {image}"


def test_published_ports_listen_on_loopback_only() -> None:
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


def test_passwords_have_no_defaults() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for match in _VARIABLE.finditer(text):
        if "PASSWORD" in match["name"] or "KEY" in match["name"]:
            assert match["op"] == ":?", f"{match['name']} must be required, not defaulted"


def test_env_example_lists_every_required_variable() -> None:
    example = (COMPOSE_DIR / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    referenced = {m["name"] for m in _VARIABLE.finditer(COMPOSE_FILE.read_text(encoding="utf-8"))}
    assert referenced <= listed


def test_sentinel_services_build_the_image_and_run_known_commands() -> None:
    assert {"sentinel-migrate", "sentinel-consume-postgres", "sentinel-consume-elasticsearch"} == SENTINEL_SERVICES
    commands = {name: SERVICES[name]["command"] for name in SENTINEL_SERVICES}
    assert commands["sentinel-migrate"] == ["db", "upgrade"]
    assert commands["sentinel-consume-postgres"] == ["pipeline", "consume", "--sink", "postgres"]
    assert commands["sentinel-consume-elasticsearch"] == ["pipeline", "consume", "--sink", "elasticsearch"]
    for name in SENTINEL_SERVICES:
        build = SERVICES[name]["build"]
        assert (COMPOSE_DIR / build["context"] / build["dockerfile"]).resolve() == COMPOSE_DIR / "Dockerfile"


# -- SENTINEL_* settings --------------------------------------------------------------------------------------------


def _setting_exists(model: type[BaseModel], path: list[str]) -> bool:
    # pydantic-settings matches names case-insensitively; nested models continue the walk.
    fields = {name.lower(): info for name, info in model.model_fields.items()}
    info = fields.get(path[0].lower())
    if info is None:
        return False
    if len(path) == 1:
        return True
    annotation = info.annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel) and _setting_exists(annotation, path[1:])


def sentinel_variables() -> dict[str, dict[str, str]]:
    return {
        name: {k: v for k, v in environment(service).items() if k.startswith("SENTINEL_")}
        for name, service in SERVICES.items()
    }


def test_every_sentinel_variable_is_a_settings_field() -> None:
    prefix = Settings.model_config["env_prefix"]
    delimiter = Settings.model_config["env_nested_delimiter"]
    assert (prefix, delimiter) == ("SENTINEL_", "__")
    seen = 0
    for service, variables in sentinel_variables().items():
        for key in variables:
            path = key.removeprefix(prefix).split(delimiter)
            assert _setting_exists(Settings, path), f"{service}: {key} is not a Settings field"
            seen += 1
    assert seen


def test_sentinel_services_get_every_service_address(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SENTINEL_SERVICES:
        variables = sentinel_variables()[name]
        for key in (
            "SENTINEL_POSTGRES__DSN",
            "SENTINEL_KAFKA__BOOTSTRAP_SERVERS",
            "SENTINEL_ELASTICSEARCH__URL",
            "SENTINEL_REDIS__URL",
        ):
            assert key in variables, f"{name} lacks {key}"
        for key, value in variables.items():
            monkeypatch.setenv(key, value)
        settings = Settings()
        kafka_env = environment(SERVICES["kafka"])
        assert f"PLAINTEXT://{settings.kafka.bootstrap_servers}" in kafka_env["KAFKA_ADVERTISED_LISTENERS"]
        postgres = urlsplit(settings.postgres.dsn.get_secret_value())
        assert (postgres.hostname, postgres.port, postgres.path) == ("postgres", 5432, "/sentinel")
        assert postgres.username == environment(SERVICES["postgres"])["POSTGRES_USER"]
        assert urlsplit(settings.elasticsearch.url).hostname == "elasticsearch"
        assert settings.elasticsearch.username == "sentinel"
        assert settings.elasticsearch.index_prefix == environment(SERVICES["elasticsearch-setup"])["INDEX_PREFIX"]
        assert urlsplit(settings.redis.url.get_secret_value()).hostname == "redis"


# -- the Dockerfile -------------------------------------------------------------------------------------------------


def test_dockerfile_builds_every_package_and_runs_as_a_user() -> None:
    dockerfile = (COMPOSE_DIR / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = ["agent_core", *pyproject["tool"]["maturin"]["python-packages"]]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    assert set(packages) <= copied
    assert "sentinel" in pyproject["project"]["scripts"]
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.search(r"^USER sentinel$", final_stage, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["sentinel"]' in final_stage
    # The pinned toolchain satisfies the crate's minimum Rust version.
    wanted = re.search(r'rust-version = "(\d+)\.(\d+)"', (REPO / "agent_core" / "Cargo.toml").read_text())
    pinned = re.search(r"ARG RUST_TOOLCHAIN=(\d+)\.(\d+)", dockerfile)
    assert wanted and pinned
    assert tuple(map(int, pinned.groups())) >= tuple(map(int, wanted.groups()))
    ignored = (COMPOSE_DIR / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert "agent_core/target" in ignored and "**/.venv" in ignored


# -- the one-shot scripts, against stand-ins for Elasticsearch and Kibana ---------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.requests.append((self.command, self.path, dict(self.headers), body))
        reply = b'{"status":{"overall":{"level":"available"}}}' if self.path == "/api/status" else b"{}"
        if self.path.startswith("/api/saved_objects/_import"):
            reply = b'{"success":true,"successCount":9}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture
def stand_in() -> Iterator[tuple[str, list[tuple[str, str, dict[str, str], bytes]]]]:
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


def run_script(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(COMPOSE_DIR / name)],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_elasticsearch_setup_sends_valid_json(stand_in: tuple[str, list[Any]]) -> None:
    url, requests = stand_in
    tricky = 'q"uo\\te'
    done = run_script(
        "elasticsearch-setup.sh",
        {
            "ES_URL": url,
            "ELASTIC_PASSWORD": "e",
            "KIBANA_PASSWORD": tricky,
            "ES_SENTINEL_PASSWORD": tricky + "2",
            "INDEX_PREFIX": "sentinel-results",
        },
    )
    assert done.returncode == 0, done.stderr
    calls = {(method, path): json.loads(body) for method, path, _, body in requests}
    assert calls[("POST", "/_security/user/kibana_system/_password")] == {"password": tricky}
    role = calls[("PUT", "/_security/role/sentinel_writer")]
    assert role["indices"][0]["names"] == ["sentinel-results-*"]
    assert "manage_index_templates" in role["cluster"]
    user = calls[("PUT", "/_security/user/sentinel")]
    assert user == {"password": tricky + "2", "roles": ["sentinel_writer"], "full_name": "Sentinel consumers"}


def test_kibana_import_uploads_the_objects(stand_in: tuple[str, list[Any]]) -> None:
    url, requests = stand_in
    objects = REPO / "deploy" / "kibana" / "sentinel-objects.ndjson"
    done = run_script("kibana-import.sh", {"KIBANA_URL": url, "ELASTIC_PASSWORD": "e", "OBJECTS_FILE": str(objects)})
    assert done.returncode == 0, done.stderr
    method, path, headers, body = requests[-1]
    assert (method, path) == ("POST", "/api/saved_objects/_import?overwrite=true")
    assert headers["kbn-xsrf"]
    assert objects.read_bytes() in body
