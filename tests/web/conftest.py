"""Helpers for the web pages' tests: a signed-in test client."""

import pytest


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client, signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def body(response) -> str:
    return response.content.decode()
