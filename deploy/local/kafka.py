"""Apache Kafka 4 as one KRaft node (broker and controller in one JVM), from Maven Central jars.

The jars are resolved once with Maven into the cache, then copied under ``<root>/dist`` for the service user.
Storage is formatted once; its cluster id lives in ``meta.properties`` inside the data directory.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import ClassVar

from kafka import KafkaAdminClient

from deploy.local import installs, processes
from deploy.local.health import port_open
from deploy.local.layout import env_port
from deploy.local.service import Launch, Service

DEFAULT_VERSION = "4.1.1"
LOG4J_VERSION = "2.25.2"  # Kafka's modules log through slf4j 1.7, hence log4j-slf4j-impl rather than slf4j2
HEAP = ["-Xms256m", "-Xmx512m"]

POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.sentinel</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>{log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

LOG4J2 = """status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
# Per-request and state-change chatter is noise for a local broker.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
"""


def kafka_version() -> str:
    return os.environ.get("SENTINEL_LOCAL_KAFKA_VERSION") or DEFAULT_VERSION


class Kafka(Service):
    name = "kafka"
    start_timeout: ClassVar[float] = 120.0

    @property
    def controller_port(self) -> int:
        return env_port("kafka_controller")

    def ports(self) -> list[int]:
        return [self.port, self.controller_port]

    def version(self) -> str:
        return f"Apache Kafka {kafka_version()} (kafka_2.13, KRaft)"

    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def lib(self) -> Path:
        return self.lay.dist / f"kafka-{kafka_version()}" / "lib"

    def install(self) -> None:
        cached = self.lay.cache / "kafka" / kafka_version()
        if not installs.is_complete(cached):
            cached.mkdir(parents=True, exist_ok=True)
            (cached / "pom.xml").write_text(POM.format(kafka=kafka_version(), log4j=LOG4J_VERSION))
            goal = ["dependency:copy-dependencies", "-DoutputDirectory=lib", "-DincludeScope=runtime"]
            installs.maven(goal, self.lay, cwd=cached)
            (cached / installs.STAMP).write_text("ok\n")
        installs.copy_tree({"lib": cached / "lib"}, self.lib.parent)

    def java(self) -> str:
        return str(installs.java_home(17, self.lay) / "bin" / "java")

    @property
    def server_properties(self) -> Path:
        return self.conf_dir / "server.properties"

    def prepare(self) -> None:
        self.server_properties.write_text(self._properties())
        (self.conf_dir / "log4j2.properties").write_text(LOG4J2)
        if not (self.data_dir / "meta.properties").exists():
            self._format()

    def _tool(self, *args: str) -> list[str]:
        return [self.java(), "-Xmx256m", "-cp", f"{self.lib}/*", "kafka.tools.StorageTool", *args]

    def _format(self) -> None:
        env = self.base_env()
        cluster_id = processes.run_as(self._tool("random-uuid"), self.user, env=env, cwd=self.tmp_dir, timeout=120)
        processes.run_as(
            self._tool("format", "-t", cluster_id.strip().splitlines()[-1], "-c", str(self.server_properties)),
            self.user, env=env, cwd=self.tmp_dir, timeout=120,
        )  # fmt: skip

    def _properties(self) -> str:
        host, port, cport = self.host, self.port, self.controller_port
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{host}:{cport}",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.data_dir),
            # One node: every internal topic has one replica; fewer partitions keep the first group join quick.
            "num.partitions": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "10",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # After a crash the controller waits out the old broker session before the broker serves again.
            "broker.session.timeout.ms": "3000",
            "broker.heartbeat.interval.ms": "1000",
            "auto.create.topics.enable": "true",
            "delete.topic.enable": "true",
            # Two cores: a few threads are plenty and leave room for the other services.
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
            "log.retention.hours": "24",
        }
        return "".join(f"{key}={value}\n" for key, value in settings.items())

    def launch(self) -> Launch:
        argv = [
            self.java(), *HEAP, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.conf_dir / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.lay.logs}", f"-XX:ErrorFile={self.lay.logs}/kafka-hs_err_pid%p.log",
            "-cp", f"{self.lib}/*", "kafka.Kafka", str(self.server_properties),
        ]  # fmt: skip
        return Launch(argv=argv, env=self.base_env(), cwd=self.tmp_dir)

    def check(self) -> bool:
        """A real metadata request through the client the project uses, not just an open port."""
        if not port_open(self.host, self.port):
            return False
        quiet = logging.getLogger("kafka")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)  # connection errors while the broker starts are expected
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.endpoint(), client_id="sentinel-local-health", request_timeout_ms=5000,
                api_version_auto_timeout_ms=5000,
            )  # fmt: skip
            try:
                admin.list_topics()
            finally:
                admin.close()
        except Exception:  # any client failure means "not healthy yet"
            return False
        finally:
            quiet.setLevel(level)
        return True
