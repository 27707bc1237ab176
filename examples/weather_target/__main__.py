"""Serve the weather stations: ``python -m examples.weather_target --host 127.0.0.1 --port 8767``.

One uvicorn process, no access log. The contract is served at ``/openapi.yaml``.
"""

from __future__ import annotations

from examples.serving import Example
from examples.weather_target.app import create_app

EXAMPLE = Example(
    "examples.weather_target",
    "weather stations",
    "Serve the Sentinel example weather stations, an API with planted bugs (see its BUGS.md).",
    8767,
    create_app,
)
parse_args = EXAMPLE.parse_args
main = EXAMPLE.main

if __name__ == "__main__":
    main()
