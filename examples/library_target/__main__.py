"""Serve the library: ``python -m examples.library_target --host 127.0.0.1 --port 8766``.

One uvicorn process, no access log. The contract is served at ``/openapi.yaml``.
"""

from __future__ import annotations

from examples.library_target.app import create_app
from examples.serving import Example

EXAMPLE = Example(
    "examples.library_target",
    "library",
    "Serve the Sentinel example library, an API with planted bugs (see its BUGS.md).",
    8766,
    create_app,
)
parse_args = EXAMPLE.parse_args
main = EXAMPLE.main

if __name__ == "__main__":
    main()
