"""Elasticsearch 8 from Maven Central's integ-test zip, on Java 17, as the service user.

The integ-test zip is the only Elasticsearch 8 build Maven Central serves. It is a minimal distribution (modules:
transport-netty4, x-pack-core, x-pack-security, apm): core query DSL, mappings, index templates and the common
aggregations work; painless, reindex/delete-by-query, analysis-common, mapper-extras, aggs-matrix, data streams,
ILM and ingest processors do not. 8.7.1 is the newest served build that still answers ``GET /`` (``info()`` and
``ping()`` of the Python client): from 8.9 on that handler lives in the ``rest-root`` module, absent from the zip.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from deploy.local import installs
from deploy.local.health import http_json
from deploy.local.layout import env_port
from deploy.local.service import Launch, Service

DEFAULT_VERSION = "8.7.1"
GROUP = "org.elasticsearch.distribution.integ-test-zip"
HEAP = ["-Xms512m", "-Xmx512m"]

LOG4J2 = """status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
"""


def es_version() -> str:
    return os.environ.get("SENTINEL_LOCAL_ELASTICSEARCH_VERSION") or DEFAULT_VERSION


class Elasticsearch(Service):
    name = "elasticsearch"
    start_timeout: ClassVar[float] = 180.0
    stop_timeout: ClassVar[float] = 60.0

    @property
    def transport_port(self) -> int:
        return env_port("elasticsearch_transport")

    def ports(self) -> list[int]:
        return [self.port, self.transport_port]

    def version(self) -> str:
        modules = ",".join(self.modules()) or "not installed"
        return f"Elasticsearch {es_version()} integ-test-zip (modules: {modules})"

    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def dist(self) -> Path:
        return self.lay.dist / f"elasticsearch-{es_version()}"

    def modules(self) -> list[str]:
        modules = self.dist / "modules"
        return sorted(p.name for p in modules.iterdir()) if modules.exists() else []

    def install(self) -> None:
        if not installs.is_complete(self.dist):
            archive = installs.maven_artifact(GROUP, "elasticsearch", es_version(), "zip", self.lay)
            installs.extract_zip(archive, self.dist)

    def prepare(self) -> None:
        (self.conf_dir / "elasticsearch.yml").write_text(self._settings())
        (self.conf_dir / "log4j2.properties").write_text(LOG4J2)
        (self.conf_dir / "jvm.options").write_text(
            "\n".join(
                [
                    *HEAP,
                    "-XX:+UseG1GC",
                    "-Djava.io.tmpdir=${ES_TMPDIR}",
                    "-XX:+ExitOnOutOfMemoryError",  # no heap dump: half a gigabyte per crash helps nobody here
                    f"-XX:ErrorFile={self.lay.logs}/elasticsearch-hs_err_pid%p.log",
                    "",
                ]
            )
        )
        if os.geteuid() == 0:
            # The launcher creates its keystore in the config directory.
            for path in [self.conf_dir, *self.conf_dir.iterdir()]:
                os.chown(path, self.user.uid, self.user.gid)

    def _settings(self) -> str:
        settings = {
            "cluster.name": "sentinel-local",
            "node.name": "sentinel-local",
            "network.host": self.host,  # loopback keeps development mode: no production bootstrap checks
            "http.port": str(self.port),
            "transport.port": str(self.transport_port),
            "discovery.type": "single-node",
            "path.data": str(self.data_dir),
            "path.logs": str(self.lay.logs),
            # Tests clean up with wildcard deletes; a nearly full disk must not turn indices read-only locally.
            "action.destructive_requires_name": "false",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        if "x-pack-security" in self.modules():
            # Only valid when the module is present: the setting is unknown (a startup error) without it.
            settings["xpack.security.enabled"] = "false"
        return "".join(f"{key}: {value}\n" for key, value in settings.items())

    def launch(self) -> Launch:
        env = self.base_env() | {
            "ES_JAVA_HOME": str(installs.java_home(17, self.lay)),
            "ES_PATH_CONF": str(self.conf_dir),
            "ES_TMPDIR": str(self.tmp_dir),
            "ES_JAVA_OPTS": "",
        }
        return Launch(argv=[str(self.dist / "bin" / "elasticsearch")], env=env, cwd=self.tmp_dir)

    def check(self) -> bool:
        # _cluster/health exists in every build, unlike GET / (see the module docstring).
        try:
            health = http_json(f"{self.endpoint()}/_cluster/health?timeout=2s", timeout=5)
        except (OSError, ValueError):
            return False
        return isinstance(health, dict) and health.get("status") in {"green", "yellow"}
