"""Fixtures for the REST API tests."""

import pytest

from .helpers import ApiClient


@pytest.fixture
def api_as(token_for):
    """api_as(user) -> an ApiClient authenticated with a fresh token of that user."""
    return lambda user: ApiClient(token_for(user))


@pytest.fixture
def anonymous():
    return ApiClient()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The people of the fixtures have passwords; these tests never check one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
