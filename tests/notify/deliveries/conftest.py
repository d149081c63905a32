"""Fixtures: Tocsin as it comes, with no mail server set up, and a machine where any attempt to
reach one is caught."""

import logging
import smtplib

import pytest


@pytest.fixture
def no_mail_server(settings, monkeypatch):
    """The defaults (Django's SMTP backend, TOCSIN_SMTP_HOST empty); connecting to any mail
    server fails the test, whatever listens on localhost:25."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""
    settings.EMAIL_PORT = 25
    attempts = []

    def refuse(self, host="", port=0, *args, **kwargs):
        attempts.append((host, port))
        raise AssertionError(f"an SMTP connection to {host}:{port} was attempted")

    monkeypatch.setattr(smtplib.SMTP, "connect", refuse)
    return attempts


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def notify_log():
    """The lines the tocsin.notify logger writes during the test."""
    handler = _Lines()
    logger = logging.getLogger("tocsin.notify")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(previous)
