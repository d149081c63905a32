"""Fixtures: a real SMTP server collecting what Tocsin sends, and queued page e-mails."""

import pytest
from django.db import transaction

from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.notify.services import enqueue_page_email

from .mailbox import BASE_URL, Mailbox


@pytest.fixture
def smtp(settings):
    """The running mail server; Tocsin's e-mail goes to it over real SMTP."""
    mailbox = Mailbox()
    mailbox.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mailbox.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Tocsin <tocsin@example.org>"
    yield mailbox
    mailbox.stop()


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


def email_method(user, address=None) -> ContactMethod:
    # Accounts give every person their sign-in address as a first e-mail contact method.
    method, _ = ContactMethod.objects.get_or_create(
        user=user, kind=ContactKind.EMAIL, address=address or user.email
    )
    return method


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
