"""The documented error catalogue and the codes the native core can raise are the same set."""

from __future__ import annotations

import re

from agent_core.native import error_codes
from tests.fixtures.corpus import REPO


def test_every_native_code_is_documented_with_its_severity() -> None:
    documented = dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", (REPO / "docs" / "spec-errors.md").read_text(), re.M))
    native = {code: severity for code, severity, _ in error_codes()}
    assert documented == native


def test_codes_are_stable_strings() -> None:
    codes = [code for code, _, _ in error_codes()]
    assert len(codes) == len(set(codes))
    assert {"SPEC_JSON_SYNTAX", "SPEC_REF_UNRESOLVED", "SPEC_REF_CIRCULAR", "SPEC_TOO_LARGE"} <= set(codes)
