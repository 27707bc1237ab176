"""The real-world spec corpus: every spec loads (or fails with a documented, genuine spec error), and every
operation of every loaded spec yields at least one valid case."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from agent_core.errors import SpecError
from agent_core.loading import LoadOptions, load_spec
from tests.fixtures.corpus import find_specs_dir

SPECS = find_specs_dir()


def _manifest() -> list[dict[str, Any]]:
    if SPECS is None:
        return []
    with (SPECS / "real" / "MANIFEST.tsv").open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _manifest()

# Specs that are genuinely broken, with the code they must fail with and why. Keep this list honest and short.
GENUINELY_BROKEN: dict[str, tuple[str, str]] = {
    "openai-openapi__openapi.yaml": (
        "SPEC_PATH_INVALID",
        "path key '/responses?beta=true' carries a query string; OpenAPI path keys are paths only",
    ),
}


def _options(real: Path, file: str) -> LoadOptions:
    parts = Path(file).parts
    # Multi-file specs reference siblings up the tree (e.g. Azure's common-types): the root is the source checkout.
    root = real / parts[0] / parts[1] if parts[0] == "multi" else None
    return LoadOptions(root_dir=root)


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_real_spec_loads_and_every_operation_yields_a_positive_case(row: dict[str, Any], specs_dir: Path) -> None:
    real = specs_dir / "real"
    file = row["file"]
    if file in GENUINELY_BROKEN:
        code, _why = GENUINELY_BROKEN[file]
        with pytest.raises(SpecError) as info:
            load_spec(real / file, _options(real, file))
        assert info.value.code == code
        return
    spec = load_spec(real / file, _options(real, file))
    assert len(spec.operations) == int(row["operations"]), "operation count differs from the manifest"
    empty = [op.label for op in spec.operations if not spec.generate(op, "positive", seed=1, max_cases=1)]
    assert empty == [], f"{len(empty)} operations yield no positive case, e.g. {empty[:5]}"


def test_manifest_is_present() -> None:
    assert len(ROWS) >= 100
