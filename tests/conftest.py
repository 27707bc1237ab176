"""Test configuration: fixtures live in tests/fixtures and are registered here."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.corpus",
    "tests.fixtures.servers",
    "tests.fixtures.postgres",
    "tests.fixtures.kafka",
    "tests.fixtures.elasticsearch",
]
