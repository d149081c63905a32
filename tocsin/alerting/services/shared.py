"""Checks of what several kinds of configuration are given: a kind of integration, a name,
the settings a change names."""

from tocsin.errors import ValidationFailed
from tocsin.validation import clean_text

from ..models import Kind


def clean_kind(kind: str) -> str:
    """`kind` when it names a kind of integration; else the error that lists the kinds."""
    if kind not in Kind.values:
        raise ValidationFailed(
            f"unknown kind {kind!r}; use one of {', '.join(Kind.values)}", field="kind"
        )
    return kind


def clean_name(name: str, example: str) -> str:
    return clean_text(name, field="name", max_length=100, missing=f"give the {example}")


def refuse_unknown_settings(changes: dict, settings) -> None:
    """A change naming a setting that does not exist (or cannot change) is refused whole."""
    unknown = set(changes) - set(settings)
    if unknown:
        raise ValidationFailed(
            f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
