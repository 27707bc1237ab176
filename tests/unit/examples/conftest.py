"""Fixtures for the demo shop tests."""

from __future__ import annotations

import pytest

from examples.demo_target.app import create_app
from tests.unit.examples.shop import ShopClient


@pytest.fixture
def client() -> ShopClient:
    return ShopClient(create_app())
