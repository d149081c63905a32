"""Fixtures for the REST API tests (`api_as` is in tests/conftest.py)."""

import pytest

from tests.support.api import ApiClient


@pytest.fixture
def anonymous():
    return ApiClient()
