"""The hand-written stub of the Rust extension matches what the extension really exports."""

from __future__ import annotations

import subprocess
import sys

from tests.fixtures.corpus import REPO


def test_stub_matches_the_native_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "agent_core._native"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
