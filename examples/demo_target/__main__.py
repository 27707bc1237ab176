"""Serve the demo shop: ``python -m examples.demo_target --host 127.0.0.1 --port 8765``.

One uvicorn process, no access log. The contract is served at ``/openapi.yaml``.
"""

from __future__ import annotations

from examples.demo_target.app import create_app
from examples.serving import Example

EXAMPLE = Example(
    "examples.demo_target",
    "demo shop",
    "Serve the Sentinel demo shop, an API with planted bugs (see examples/demo_target/BUGS.md).",
    8765,
    create_app,
)
parse_args = EXAMPLE.parse_args
main = EXAMPLE.main

if __name__ == "__main__":
    main()
