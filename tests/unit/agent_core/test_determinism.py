"""Same seed and same spec give identical cases; a different seed gives different ones."""

from __future__ import annotations

from pathlib import Path

from actors.supervisor import Job, OperationFilter, plan_cases
from agent_core.loading import load_spec
from tests.fixtures.corpus import REPO

DEMO_SPEC = REPO / "examples" / "demo_target" / "openapi.yaml"


def _plan(spec_path: Path, seed: int, operations: OperationFilter | None = None) -> list[str]:
    job = Job(spec=load_spec(spec_path), base_url="http://127.0.0.1:1", seed=seed, job_id="job-1")
    if operations is not None:
        job = Job(spec=job.spec, base_url=job.base_url, seed=seed, job_id="job-1", operations=operations)
    return [case.model_dump_json() for _, case in plan_cases(job)]


def test_same_seed_same_spec_identical_cases() -> None:
    first = _plan(DEMO_SPEC, seed=7)
    second = _plan(DEMO_SPEC, seed=7)
    assert len(first) > 100
    assert first == second


def test_another_seed_changes_generated_cases() -> None:
    assert _plan(DEMO_SPEC, seed=7) != _plan(DEMO_SPEC, seed=8)


def test_filtering_operations_keeps_the_other_operations_cases() -> None:
    everything = _plan(DEMO_SPEC, seed=3)
    only_users = _plan(DEMO_SPEC, 3, OperationFilter(include=("*User*",)))
    assert only_users
    assert set(only_users) <= set(everything)


def test_same_seed_identical_cases_on_a_large_real_spec(specs_dir: Path) -> None:
    spec = specs_dir / "real" / "apisguru__github.com__api.github.com__1.1.4__openapi.yaml"
    a, b = load_spec(spec), load_spec(spec)
    for op_a, op_b in zip(a.operations[:200], b.operations[:200], strict=True):
        for kind in ("positive", "negative"):
            assert a.generate(op_a, kind, 11, 5) == b.generate(op_b, kind, 11, 5)
