"""Fixtures: Tocsin's public address for the links it sends, and queued page e-mails.

The SMTP server that collects what Tocsin sends is the `smtp` fixture of tests/conftest.py.
"""

import pytest
from django.db import transaction

from tests.support.people import email_method
from tests.support.web import BASE_URL
from tocsin.notify.services import enqueue_page_email


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


@pytest.fixture
def page():
    """page(incident, user, address=None, key=None) -> the queued page e-mail."""

    def make(incident, user, address=None, key=None):
        method = email_method(user, address)
        with transaction.atomic():
            return enqueue_page_email(
                incident,
                user,
                method,
                reason="on call for Payments primary (level 1 of Payments default)",
                idempotency_key=key or f"page:{incident.pk}:{user.pk}:{method.pk}",
            )

    return make
