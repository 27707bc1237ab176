"""Install, start and stop the real backing services on this machine: Postgres (pgvector), Kafka, Elasticsearch
and Redis, each on a loopback port, idempotently. See docs/local-services.md.

Command line: ``python -m deploy.local up|down|status|restart|kill|logs [SERVICE ...]``. The functions below are the
same operations for tests; with no names they act on every service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from deploy.local import lifecycle, processes
from deploy.local.elasticsearch import Elasticsearch
from deploy.local.health import ServiceError
from deploy.local.kafka import Kafka
from deploy.local.layout import SERVICES, layout, service_user
from deploy.local.lifecycle import ServiceState
from deploy.local.postgres import Postgres
from deploy.local.redis import Redis
from deploy.local.service import Outcome, Service

__all__ = [
    "SERVICES",
    "Outcome",
    "ServiceError",
    "ServiceState",
    "down",
    "endpoint",
    "healthy",
    "kill",
    "log_path",
    "pid",
    "restart",
    "service",
    "settings_env",
    "start",
    "status",
    "up",
]

# Variables that point agent_core.settings at the local services (useful when ports are overridden).
_SETTINGS_ENV = {
    "postgres": "SENTINEL_POSTGRES__DSN",
    "kafka": "SENTINEL_KAFKA__BOOTSTRAP_SERVERS",
    "elasticsearch": "SENTINEL_ELASTICSEARCH__URL",
    "redis": "SENTINEL_REDIS__URL",
}


def service(name: str, *, durable: bool | None = None) -> Service:
    """The service object for ``name``. ``durable`` only applies to Postgres (see :func:`up`)."""
    lay, user = layout(), service_user()
    if name == "postgres":
        return Postgres(lay, user, durable=durable)
    classes: dict[str, type[Service]] = {"kafka": Kafka, "elasticsearch": Elasticsearch, "redis": Redis}
    if name not in classes:
        raise ValueError(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
    return classes[name](lay, user)


def _names(names: Sequence[str]) -> list[str]:
    selected = list(dict.fromkeys(names)) or list(SERVICES)
    for name in selected:
        if name not in SERVICES:
            raise ValueError(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
    return selected


def run_each(
    names: Sequence[str],
    action: Callable[[Service], Outcome],
    *,
    durable: bool | None = None,
    report: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Apply ``action`` to the named services in parallel (the JVMs' startup overlaps); one error lists all."""
    selected = _names(names)
    services = [service(name, durable=durable) for name in selected]

    def one(svc: Service) -> Outcome:
        outcome = action(svc)
        if report is not None:
            report(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        futures = [pool.submit(one, svc) for svc in services]
    outcomes, errors = [], []
    for svc, future in zip(services, futures, strict=True):
        try:
            outcomes.append(future.result())
        except Exception as exc:  # collected and re-raised together below
            errors.append(f"{svc.name}: {exc}")
    if errors:
        raise ServiceError("\n\n".join(errors))
    return outcomes


def up(*names: str, durable: bool | None = None) -> list[Outcome]:
    """Start the named services (all by default) unless they already run healthy.

    ``durable`` (Postgres only): ``True`` runs with ``fsync``, ``synchronous_commit`` and ``full_page_writes`` on,
    ``False`` with them off (fast, the default for a fresh start); ``None`` takes ``SENTINEL_LOCAL_POSTGRES_DURABLE``
    and, when that is unset too, keeps whatever mode is running. A running Postgres in the other mode is restarted.
    """
    return run_each(names, lifecycle.up, durable=durable)


def start(name: str, *, durable: bool | None = None) -> Outcome:
    """Start one service (a no-op when it runs healthy); after :func:`kill` this is crash recovery."""
    return run_each([name], lifecycle.up, durable=durable)[0]


def down(*names: str) -> list[Outcome]:
    """Stop the named services (all by default): only processes these scripts started."""
    return run_each(names, lifecycle.down)


def restart(name: str, *, durable: bool | None = None) -> Outcome:
    return run_each([name], lifecycle.restart, durable=durable)[0]


def kill(name: str) -> Outcome:
    """SIGKILL the service and its children (fault injection); :func:`start` brings it back."""
    return run_each([name], lifecycle.kill)[0]


def healthy(name: str) -> bool:
    """True when our process for ``name`` runs and answers a real request."""
    return lifecycle.healthy(service(name))


def endpoint(name: str) -> str:
    """The client address, in agent_core.settings' format: a ``postgresql+psycopg://`` URL for Postgres,
    ``host:port`` for Kafka, ``http://`` for Elasticsearch, ``redis://`` for Redis."""
    return service(name).endpoint()


def status(*names: str) -> list[ServiceState]:
    return [lifecycle.state(service(name)) for name in _names(names)]


def pid(name: str) -> int | None:
    """PID of the running service (the session leader), or ``None``."""
    record = processes.read_pid_file(service(name).pid_file)
    return record.pid if record is not None and processes.is_alive(record) else None


def log_path(name: str) -> Path:
    return service(name).log


def settings_env(*names: str) -> dict[str, str]:
    """``SENTINEL_*`` variables that point agent_core.settings at the local services."""
    return {_SETTINGS_ENV[name]: endpoint(name) for name in _names(names)}
