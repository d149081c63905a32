"""The checks every action item write shares: each returns the clean value or raises
ValidationFailed naming the field."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from tocsin.accounts.models import InstanceRole, User
from tocsin.errors import ValidationFailed

from ..text import clean_long_text
from .models import ActionKind, ActionPriority, ActionStatus

MAX_TITLE = 200
MAX_TEXT = 50_000
MAX_URL = 500
_http = URLValidator(schemes=["http", "https"])


def title(value) -> str:
    return clean_long_text(value, field="title", limit=MAX_TITLE, required=True)


def description(value) -> str:
    return clean_long_text(value, field="description", limit=MAX_TEXT)


def reason(value) -> str:
    return clean_long_text(value, field="reason", limit=MAX_TEXT)


def _choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            f"unknown {field} {value!r}; use one of {', '.join(choices.values)}", field=field
        )
    return value


def kind(value) -> str:
    return _choice(value, ActionKind, field="kind")


def priority(value) -> str:
    return _choice(value, ActionPriority, field="priority")


def status(value) -> str:
    return _choice(value, ActionStatus, field="status")


def external_url(value) -> str:
    value = clean_long_text(value, field="external_url", limit=MAX_URL)
    if value:
        try:
            _http(value)
        except ValidationError:
            raise ValidationFailed(
                f"external_url {value!r} is not an http:// or https:// address",
                field="external_url",
            ) from None
    return value


def owner(value) -> User:
    if not isinstance(value, User) or not value.is_active:
        raise ValidationFailed("the owner must be an active person", field="owner")
    if value.role == InstanceRole.VIEWER and not value.is_superuser:
        raise ValidationFailed(
            f"{value} only reads: the owner must be someone who can do the work", field="owner"
        )
    return value


def due_on(value, *, today: date) -> date:
    if not isinstance(value, date):
        raise ValidationFailed("due_on must be a date", field="due_on")
    if value < today:
        raise ValidationFailed(
            f"due_on {value.isoformat()} is in the past: choose today or later", field="due_on"
        )
    return value
