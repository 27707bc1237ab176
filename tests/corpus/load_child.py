"""Load one spec in a child process under the corpus contract and print the outcome as JSON.

Run as ``python -m tests.corpus.load_child SPEC [MAX_BYTES]``. Network access and reads outside the spec's folder
are recorded through audit hooks (which see every Python-level ``open`` and socket call, including the reader the
native loader uses) and refused.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from agent_core.errors import SpecError
from agent_core.loading import LoadOptions, load_spec

_state = {"armed": False}
_outside: list[str] = []
_network: list[str] = []


def _audit(root: Path) -> Any:
    def hook(event: str, args: tuple[Any, ...]) -> None:
        if not _state["armed"]:
            return
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = Path(os.fsdecode(args[0])).resolve()
            if not path.is_relative_to(root):
                _outside.append(str(path))
                raise PermissionError(f"read outside the spec folder: {path}")
        elif event.startswith("socket.") and event not in ("socket.__new__",):
            _network.append(event)
            raise PermissionError(f"network access: {event}")

    return hook


def main() -> None:
    spec = Path(sys.argv[1]).resolve()
    max_bytes = int(sys.argv[2]) if len(sys.argv) > 2 else LoadOptions().max_bytes
    sys.addaudithook(_audit(spec.parent))
    result: dict[str, Any]
    _state["armed"] = True
    try:
        loaded = load_spec(spec, LoadOptions(max_bytes=max_bytes))
    except SpecError as exc:
        _state["armed"] = False
        result = {"outcome": "error", **exc.to_dict()}
    else:
        _state["armed"] = False
        result = {
            "outcome": "ok",
            "operations": [op.operation_id for op in loaded.operations],
            "warnings": [w.code for w in loaded.warnings],
        }
    result["outside_reads"] = _outside
    result["network"] = _network
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
