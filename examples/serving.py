"""What the example APIs share: their error bodies, the app around their routes, and the command line
(``python -m examples.<name> [--host H] [--port P]``: one uvicorn process, no access log).

Every example serves its contract at ``/openapi.yaml`` and answers errors, the router's 404/405 and unexpected
failures (500) included, with ``{"error": code, "message": text}``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

__all__ = ["ApiError", "Example", "Route", "build_app"]

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
Route = tuple[str, str, Callable[[Request], Awaitable[Response]]]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.code, "message": self.message}, status_code=self.status)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse({"error": code, "message": str(exc.detail)}, exc.status_code, headers=exc.headers)


def build_app(title: str, spec_path: Path, routes: Sequence[Route]) -> FastAPI:
    """An app serving ``routes`` and ``GET /openapi.yaml``; FastAPI's own documentation routes are off."""
    spec = spec_path.read_bytes()
    app = FastAPI(
        title=title,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        exception_handlers={ApiError: _api_error, StarletteHTTPException: _http_error},
    )

    @app.middleware("http")
    async def unexpected_errors(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            return await call_next(request)
        except Exception as exc:
            logger.warning("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
            return JSONResponse({"error": "internal_error", "message": "an unexpected error occurred"}, 500)

    async def openapi_document(request: Request) -> Response:
        return Response(spec, media_type="application/yaml")

    for method, path, endpoint in (("GET", "/openapi.yaml", openapi_document), *routes):
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=False)
    return app


@dataclass(frozen=True, slots=True)
class Example:
    package: str  # e.g. "examples.library_target"
    title: str  # how the startup line names it, e.g. "library"
    description: str
    default_port: int
    create_app: Callable[[], ASGIApp]

    def parse_args(self, argv: Sequence[str] | None = None) -> argparse.Namespace:
        parser = argparse.ArgumentParser(prog=f"python -m {self.package}", description=self.description)
        parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
        parser.add_argument(
            "--port", type=int, default=self.default_port, help=f"port to listen on (default {self.default_port})"
        )
        parser.add_argument(
            "--log-level",
            default="info",
            choices=("critical", "error", "warning", "info", "debug"),
            help="uvicorn log level (default info)",
        )
        return parser.parse_args(argv)

    def main(self, argv: Sequence[str] | None = None) -> None:
        args = self.parse_args(argv)
        print(
            f"{self.title}: http://{args.host}:{args.port} (contract at /openapi.yaml, planted bugs in BUGS.md)",
            file=sys.stderr,
            flush=True,
        )
        uvicorn.run(
            self.create_app(), host=args.host, port=args.port, workers=1, access_log=False, log_level=args.log_level
        )
