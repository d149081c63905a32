"""Strict readers for decoded JSON bodies, shared by the parsers.

Each reader takes the dotted path of what it reads (`alerts[0].labels`) and raises
`PayloadError` naming that path when the value has the wrong type, so no parser lets a
KeyError, TypeError or AttributeError escape.
"""

import json
import re
from datetime import UTC, datetime
from typing import Any

from tocsin.validation import whole_number

from . import PayloadError


def path(parent: str | None, key: str | int) -> str:
    """`path("alerts", 0)` → "alerts[0]"; `path("alerts[0]", "labels")` → "alerts[0].labels"."""
    if isinstance(key, int):
        return f"{parent or ''}[{key}]"
    return f"{parent}.{key}" if parent else key


def body_object(payload: Any) -> dict:
    if not isinstance(payload, dict):
        raise PayloadError(f"the body must be a JSON object, not {json_type(payload)}")
    return payload


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def shown(value: Any) -> str:
    """A short repr of an offending value for an error message."""
    if isinstance(value, dict | list):
        return json_type(value)
    text = repr(value[:61] if isinstance(value, str) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def wrong_type(field: str, expected: str, value: Any) -> PayloadError:
    return PayloadError(f"'{field}' must be {expected}, not {json_type(value)}", field=field)


def obj(container: dict, key: str, field: str, *, required: bool = False) -> dict:
    """An object member; missing or null is {} unless `required`."""
    value = container.get(key)
    if value is None:
        if required:
            raise PayloadError(f"'{field}' is missing", field=field)
        return {}
    if not isinstance(value, dict):
        raise wrong_type(field, "an object", value)
    return value


def array(container: dict, key: str, field: str, *, required: bool = False) -> list:
    value = container.get(key)
    if value is None:
        if required:
            raise PayloadError(f"'{field}' is missing", field=field)
        return []
    if not isinstance(value, list):
        raise wrong_type(field, "an array", value)
    return value


def item_object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise wrong_type(field, "an object", value)
    return value


def string(container: dict, key: str, field: str) -> str:
    """A string member; missing or null is ""."""
    value = container.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise wrong_type(field, "a string", value)
    return value


def text(container: dict, key: str, field: str) -> str:
    """A scalar member as stripped text (templated sources may send a bare number); null is ""."""
    value = container.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise wrong_type(field, "a string", value)
    return value.strip()


def string_map(container: dict, key: str, field: str, *, required: bool = False) -> dict[str, str]:
    """An object whose every value is a string (Prometheus-style labels and annotations)."""
    mapping = obj(container, key, field, required=required)
    for name, value in mapping.items():
        if not isinstance(value, str):
            raise wrong_type(path(field, name), "a string", value)
    return dict(mapping)


def timestamp(value: Any, field: str, *, strict: bool = True) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime; Go's zero time (year 1) means "not set".

    Fractions beyond microseconds (Alertmanager sends nanoseconds) are truncated. A naive
    timestamp is taken as UTC. With `strict=False` an unreadable value is None, not an error.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        if strict:
            raise wrong_type(field, "an RFC 3339 timestamp string", value)
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        if strict:
            raise PayloadError(
                f"'{field}' is not an RFC 3339 timestamp: {value[:64]!r}", field=field
            ) from None
        return None
    if moment.year <= 1:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def epoch_milliseconds(value: str) -> datetime | None:
    """Datadog's `$DATE` ("1406662672000"); anything unreadable is None."""
    if (milliseconds := whole_number(value)) is None:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def flatten(value: Any, prefix: str = "", *, depth: int = 0) -> dict[str, str]:
    """Nested JSON as flat string labels: {"a": {"b": 1}} → {"a.b": "1"}; arrays stay JSON text."""
    if isinstance(value, dict) and depth < 8:
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key), depth=depth + 1))
        return flat
    return {prefix: scalar_text(value)}


def scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return "…"


_SEPARATOR = re.compile(r"[:=]")


def _split_tag(tag: str) -> tuple[str, str]:
    r""" "env : prod" → ("env", "prod"); a tag without a key before its first : or =, or whose
    value runs over more than one line, is a key of its own with no value.

    In one pass: the pattern this replaces, ^\s*([^:=]+?)\s*[:=]\s*(.*?)\s*$, took time
    quadratic in the spaces of a tag, and a tag is what anyone holding the URL sends.
    """
    found = _SEPARATOR.search(tag)
    if found is None or found.start() == 0:
        return tag, ""
    value = tag[found.end() :].strip()
    if "\n" in value:
        return tag, ""
    return tag[: found.start()].rstrip(), value


def tag_labels(tags: list[str]) -> dict[str, str]:
    """Tags as labels: "env:prod" and "env=prod" → {"env": "prod"}; a bare "db" → {"db": ""}.

    A key that appears more than once keeps every value, comma-separated.
    """
    labels: dict[str, str] = {}
    for tag in tags:
        tag = tag.strip()
        if not tag:
            continue
        key, value = _split_tag(tag)
        if key in labels and value and value not in labels[key].split(","):
            labels[key] = f"{labels[key]},{value}" if labels[key] else value
        else:
            labels.setdefault(key, value)
    return labels
