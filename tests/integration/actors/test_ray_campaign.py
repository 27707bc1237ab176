"""Campaigns and ``--runtime ray`` on a real two-node Ray cluster.

The head and the worker node are hosts of a virtual network (network namespaces with private addresses and no route
out); the target apps live on a third host and record when each request arrives. The driver, ``sentinel campaign
run`` or ``sentinel run --runtime ray``, runs on the head host, where the project's loopback services are forwarded.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from kafka.admin import KafkaAdminClient

from api.reports import read_ndjson
from pipeline.store import migrate
from tests.fixtures.corpus import REPO
from tests.fixtures.netns import assert_isolated, external_addresses, root_listeners
from tests.fixtures.ray_cluster import BIN, RayNodes, arrivals, ray_env, ray_nodes, target_app, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.ray, pytest.mark.timeout(900)]

EXAMPLES = REPO / "examples"
APPS = {
    "shop": ("examples.demo_target.app:create_app", EXAMPLES / "demo_target" / "openapi.yaml"),
    "library": ("examples.library_target.app:create_app", EXAMPLES / "library_target" / "openapi.yaml"),
    "weather": ("examples.weather_target.app:create_app", EXAMPLES / "weather_target" / "openapi.yaml"),
}
IDENTITIES = {
    "shop": EXAMPLES / "demo_target" / "identities.yaml",
    "library": EXAMPLES / "library_target" / "identities.yaml",
}
_ports = itertools.count(8100)


@pytest.fixture(scope="module")
def listeners_before() -> set[tuple[str, int, int | None]]:
    return set(root_listeners())


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory, listeners_before: object) -> Iterator[RayNodes]:
    with ray_nodes(tmp_path_factory.mktemp("ray")) as started:
        yield started


@pytest.fixture
def store_dsn(fresh_database: Callable[[], str]) -> str:
    dsn = fresh_database()
    migrate.upgrade(dsn)
    return dsn


def _campaign(tmp_path: Path, urls: dict[str, str], **overrides: Any) -> Path:
    targets = []
    for name, url in urls.items():
        target: dict[str, Any] = {"name": name, "spec": str(APPS[name][1]), "base_url": url, "max_cases": 5}
        if name in IDENTITIES:
            target["identities"] = str(IDENTITIES[name])
        target.update(overrides.pop(name, {}))
        targets.append(target)
    document = {"version": 1, "name": "it", "workers": 2, "targets": targets, **overrides}
    file = tmp_path / "campaign.yaml"
    file.write_text(yaml.safe_dump(document))
    return file


def _driver_env(dsn: str | None = None, **extra: str) -> dict[str, str]:
    env = ray_env(extra)
    if dsn is not None:
        env["SENTINEL_POSTGRES__DSN"] = dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    return env


def _run_campaign(
    nodes: RayNodes, file: Path, reports: Path, env: dict[str, str], *, wait: bool = True
) -> subprocess.Popen[bytes]:
    log = (reports.parent / "driver.log").open("wb")
    argv = [str(BIN / "sentinel"), "campaign", "run", str(file), "--ray-address", nodes.address]
    process = nodes.head.popen([*argv, "--report-dir", str(reports)], env=env, stdout=log, stderr=log)
    if wait:
        process.wait(timeout=600)
    return process


def _summary(reports: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((reports / "campaign.json").read_text())
    return summary


def _rows(dsn: str, job_ids: list[str]) -> dict[str, tuple[int, int, set[str]]]:
    """Per job: (result rows, distinct cases, workers that produced them)."""
    out: dict[str, tuple[int, int, set[str]]] = {}
    with psycopg.connect(dsn) as conn:
        for job_id in job_ids:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT case_id), array_agg(DISTINCT worker) FROM results WHERE job_id = %s",
                [job_id],
            ).fetchone()
            assert row is not None
            out[job_id] = (int(row[0]), int(row[1]), set(row[2] or []))
    return out


def _log(reports: Path) -> str:
    return (reports.parent / "driver.log").read_text(errors="replace")[-4000:]


def test_a_campaign_over_three_apis_uses_both_nodes_and_streams_every_result_through_kafka(
    nodes: RayNodes,
    tmp_path: Path,
    store_dsn: str,
    kafka_service: str,
    listeners_before: set[tuple[str, int, int | None]],
) -> None:
    unique = uuid.uuid4().hex[:8]
    env = _driver_env(
        store_dsn,
        SENTINEL_KAFKA__BOOTSTRAP_SERVERS=kafka_service,
        SENTINEL_KAFKA__TOPIC_NAMESPACE=f"ray-{unique}",
        SENTINEL_KAFKA__CONSUMER_GROUP_PREFIX=f"ray-{unique}",
    )
    consumer_log = (tmp_path / "consumer.log").open("wb")
    consumer = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "pipeline", "consume", "--sink", "postgres"],
        cwd=REPO,
        env=env,
        stdout=consumer_log,
        stderr=consumer_log,
    )
    reports = tmp_path / "reports"
    try:
        with (
            target_app(nodes.targets, APPS["shop"][0], next(_ports), tmp_path / "shop.rec") as shop,
            target_app(nodes.targets, APPS["library"][0], next(_ports), tmp_path / "library.rec") as library,
            target_app(nodes.targets, APPS["weather"][0], next(_ports), tmp_path / "weather.rec") as weather,
        ):
            file = _campaign(tmp_path, {"shop": shop, "library": library, "weather": weather}, bus="kafka")
            driver = _run_campaign(nodes, file, reports, env)
            # While the cluster is up: nothing of it listens in the root namespace, nothing can leave the network.
            new = set(root_listeners()) - listeners_before
            external = set(external_addresses())
            assert not [entry for entry in new if entry[0] in external or entry[0] in ("0.0.0.0", "::")], new
            assert_isolated(nodes.network)
        assert driver.returncode == 1, _log(reports)  # the example APIs have planted bugs: findings
        summary = _summary(reports)
        targets = {t["name"]: t for t in summary["targets"]}
        assert set(targets) == {"shop", "library", "weather"}
        for target in targets.values():
            assert target["state"] == "finished"
            assert target["executed"] == target["planned"] > 0
            assert target["errors"] == {}, target
        # Work ran on both nodes, and each executor loaded the Rust core once while running many batches.
        executors = [w for w in summary["workers"] if w["role"] == "executor"]
        assert {w["node"] for w in executors} == nodes.node_addresses()
        assert all(w["core_loads"] == 1 and w["batches"] >= 2 for w in executors), executors
        # Every result reached Postgres through Kafka exactly once, from workers on both nodes.
        job_ids = [t["job_id"] for t in targets.values()]
        expected = {t["job_id"]: t["planned"] for t in targets.values()}
        wait_for(lambda: all(r[0] == expected[j] for j, r in _rows(store_dsn, job_ids).items()), 120, "the consumer")
        rows = _rows(store_dsn, job_ids)
        assert all(rows[j][0] == rows[j][1] == expected[j] for j in job_ids), rows
        workers = set().union(*(r[2] for r in rows.values()))
        assert {w.split(":")[0] for w in workers} == nodes.node_addresses()
        for name in ("shop", "library", "weather"):
            for fmt in ("junit.xml", "results.sarif", "report.html", "results.ndjson"):
                assert (reports / name / fmt).stat().st_size > 0
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(60)
        _delete_topics(kafka_service, f"ray-{unique}.")


def _delete_topics(bootstrap: str, prefix: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()


def _executor_pids(nodes: RayNodes) -> list[int]:
    pids = []
    for pid in nodes.worker.pids():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "ExecutorWorker" in title:
            pids.append(pid)
    return pids


def test_a_worker_killed_mid_campaign_leaves_exactly_one_result_per_case(
    nodes: RayNodes, tmp_path: Path, store_dsn: str
) -> None:
    reports = tmp_path / "reports"
    shop_rec, weather_rec = tmp_path / "shop.rec", tmp_path / "weather.rec"
    with (
        target_app(nodes.targets, APPS["shop"][0], next(_ports), shop_rec) as shop,
        target_app(nodes.targets, APPS["weather"][0], next(_ports), weather_rec) as weather,
    ):
        # Rate limits stretch the campaign over several seconds so the kill lands mid-way.
        file = _campaign(
            tmp_path,
            {"shop": shop, "weather": weather},
            shop={"rate_limit": 40, "max_cases": 10},
            weather={"rate_limit": 20, "max_cases": 10},
            store=["postgres"],
        )
        driver = _run_campaign(nodes, file, reports, _driver_env(store_dsn), wait=False)
        wait_for(lambda: shop_rec.exists() and len(shop_rec.read_text().splitlines()) >= 40, 120, "requests")
        victims = _executor_pids(nodes)
        assert victims, "no executor worker on the worker node"
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        assert driver.wait(timeout=600) == 1, _log(reports)
    summary = _summary(reports)
    assert all(t["state"] == "finished" and t["executed"] == t["planned"] for t in summary["targets"]), summary
    rows = _rows(store_dsn, [t["job_id"] for t in summary["targets"]])
    for target in summary["targets"]:
        count, distinct, _ = rows[target["job_id"]]
        assert count == distinct == target["planned"], (target["name"], count, distinct, target["planned"])
    # The killed worker came back (a new process on the worker node) and went on working.
    executors_on_worker = [
        w for w in summary["workers"] if w["role"] == "executor" and w["node"] == nodes.worker.address
    ]
    assert any(int(w["worker"].split(":")[1]) not in victims for w in executors_on_worker), summary["workers"]


def test_a_target_that_goes_down_mid_campaign_is_reported_and_the_others_finish(
    nodes: RayNodes, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    with (
        target_app(nodes.targets, APPS["shop"][0], next(_ports), tmp_path / "shop.rec") as shop,
        target_app(nodes.targets, APPS["library"][0], next(_ports), tmp_path / "lib.rec", die_after=40) as library,
        target_app(nodes.targets, APPS["weather"][0], next(_ports), tmp_path / "weather.rec") as weather,
    ):
        file = _campaign(tmp_path, {"shop": shop, "library": library, "weather": weather})
        driver = _run_campaign(nodes, file, reports, _driver_env())
    assert driver.returncode == 1, _log(reports)
    summary = _summary(reports)
    targets = {t["name"]: t for t in summary["targets"]}
    assert targets["library"]["state"] == "unreachable", targets["library"]
    assert targets["library"]["executed"] == targets["library"]["planned"]
    assert targets["library"]["errors"].get("unreachable", 0) > 0
    # It answered until it died: at most the 40 requests it received, less those in flight when it went down.
    judged = targets["library"]["statuses"]["passed"] + targets["library"]["statuses"]["failed"]
    assert 20 <= judged <= 40, judged
    for name in ("shop", "weather"):
        assert targets[name]["state"] == "finished" and targets[name]["errors"] == {}, targets[name]
    log = _log(reports)
    assert "library: the target stopped answering" in log
    events = list(read_ndjson(reports / "library" / "results.ndjson"))
    assert len(events) == targets["library"]["planned"]
    assert (
        sum(1 for e in events if e.execution.error_kind == "unreachable") == targets["library"]["errors"]["unreachable"]
    )


def test_two_workers_share_one_rate_limit_measured_at_the_target(nodes: RayNodes, tmp_path: Path) -> None:
    limit = 20
    record = tmp_path / "shop.rec"
    reports = tmp_path / "reports"
    with target_app(nodes.targets, APPS["shop"][0], next(_ports), record) as shop:
        file = _campaign(tmp_path, {"shop": shop}, shop={"rate_limit": limit, "max_cases": 3, "concurrency": 8})
        driver = _run_campaign(nodes, file, reports, _driver_env())
    assert driver.returncode == 1, _log(reports)
    seen = arrivals(record)
    times = sorted(at for at, *_ in seen)
    assert len(times) >= 60
    # Both nodes sent requests, so the limit was shared rather than kept per worker.
    assert {client for *_, client in seen} == nodes.node_addresses()
    # A token bucket with burst 1: at most limit + 1 requests in any one-second window, and no faster on average.
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= limit + 1, busiest
    span = times[-1] - times[0]
    assert (len(times) - 1) / span <= limit * 1.02, (len(times), span)


def test_local_and_ray_runtimes_give_the_same_results_for_the_same_seed(nodes: RayNodes, tmp_path: Path) -> None:
    """``sentinel run`` three ways: in-process, on the two-node cluster, and on a local cluster it starts and stops.
    Read-only operations keep the target's answers independent of the order the runtimes send in."""
    results: dict[str, set[tuple[str, str, tuple[str, ...]]]] = {}
    with target_app(nodes.targets, APPS["shop"][0], next(_ports), tmp_path / "shop.rec") as shop:
        for name, host, runtime in (
            ("local", nodes.head, ["--runtime", "local"]),
            ("cluster", nodes.head, ["--runtime", "ray", "--ray-address", nodes.address]),
            ("local-cluster", nodes.targets, ["--runtime", "ray"]),
        ):
            ndjson = tmp_path / f"{name}.ndjson"
            argv = [str(BIN / "sentinel"), "run", "--spec", str(APPS["shop"][1]), "--base-url", shop]
            argv += ["--read-only", "--seed", "11", "--max-cases", "8", "--report", f"ndjson={ndjson}", *runtime]
            before = set(host.pids())
            done = host.run(argv, env=_driver_env(), timeout=600, check=False)
            assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
            results[name] = {
                (e.case.case_id, str(e.execution.status), tuple(sorted(f.fingerprint for f in e.findings)))
                for e in read_ndjson(ndjson)
            }
            if name == "local-cluster":
                # The cluster it started is gone with it.
                leftover = [p for p in set(host.pids()) - before if Path(f"/proc/{p}").exists()]
                assert not leftover, [Path(f"/proc/{p}/cmdline").read_bytes() for p in leftover]
    assert results["local"] and any(fp for _, _, fp in results["local"])
    assert results["cluster"] == results["local"]
    assert results["local-cluster"] == results["local"]


def _coordinator_jobs(nodes: RayNodes) -> list[dict[str, Any]]:
    script = (
        "import json, ray, sys\n"
        "ray.init(address=sys.argv[1], namespace='sentinel', logging_level='ERROR')\n"
        "print(json.dumps(ray.get(ray.get_actor('coordinator').jobs.remote())))\n"
    )
    done = nodes.head.run([sys.executable, "-c", script, nodes.address], env=_driver_env(), timeout=120)
    jobs: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return jobs


def test_ctrl_c_stops_a_campaign_and_keeps_what_was_in_flight(nodes: RayNodes, tmp_path: Path) -> None:
    record = tmp_path / "shop.rec"
    reports = tmp_path / "reports"
    with target_app(nodes.targets, APPS["shop"][0], next(_ports), record) as shop:
        file = _campaign(tmp_path, {"shop": shop}, shop={"rate_limit": 15, "max_cases": 10})
        driver = _run_campaign(nodes, file, reports, _driver_env(), wait=False)
        wait_for(lambda: record.exists() and len(record.read_text().splitlines()) >= 30, 120, "requests")
        # Anyone on the cluster can ask the named coordinator how the campaign's jobs are going.
        wait_for(lambda: _coordinator_jobs(nodes)[0]["executed"] > 0, 120, "a first batch to be recorded")
        [job] = _coordinator_jobs(nodes)
        assert job["name"] == "shop" and job["state"] == "running" and job["executed"] < job["planned"], job
        driver.send_signal(signal.SIGINT)
        assert driver.wait(timeout=120) == 130, _log(reports)
        sent = len(arrivals(record))
    summary = _summary(reports)
    [target] = summary["targets"]
    assert summary["interrupted"] is True and target["state"] == "interrupted"
    assert job["executed"] <= target["executed"] < target["planned"]
    # Everything sent got its result, and every result is in the reports.
    assert target["requests"] == sent
    events = list(read_ndjson(reports / "shop" / "results.ndjson"))
    assert len(events) == target["executed"]
    assert (reports / "shop" / "junit.xml").stat().st_size > 0


def test_a_missing_cluster_or_target_fails_fast_with_its_code(nodes: RayNodes, tmp_path: Path) -> None:
    spec = str(APPS["shop"][1])
    with target_app(nodes.targets, APPS["shop"][0], next(_ports), tmp_path / "shop.rec") as shop:
        started = time.monotonic()
        argv = [str(BIN / "sentinel"), "run", "--spec", spec, "--base-url", shop, "--runtime", "ray"]
        nobody = f"{nodes.targets.address.rsplit('.', 1)[0]}.250:{6380}"
        done = nodes.head.run([*argv, "--ray-address", nobody], env=_driver_env(), timeout=120, check=False)
        assert done.returncode == 2, done.stderr
        assert "RUNTIME_RAY_CONNECT" in done.stderr and nobody in done.stderr
    down = [str(BIN / "sentinel"), "run", "--spec", spec, "--base-url", f"http://{nodes.targets.address}:9"]
    done = nodes.head.run([*down, "--runtime", "ray", "--ray-address", nodes.address], env=_driver_env(), check=False)
    assert done.returncode == 3 and "TARGET_UNREACHABLE" in done.stderr, done.stderr
    assert time.monotonic() - started < 60
