import pytest


@pytest.fixture(autouse=True)
def django_already_set_up(monkeypatch):
    """pytest-django has set Django up; setting it up again from `main()` would point logging
    at the stream pytest captured for that one test, which is closed by the next."""
    monkeypatch.setattr("tocsin.cli._django", lambda: None)
