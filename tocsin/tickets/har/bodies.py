"""Secrets in bodies: form fields, multipart fields and JSON values, found by their names."""

import json
import re

from .names import json_key_category, parameter_category
from .parsing import deeper_than
from .report import Tally
from .text import REDACTED, redact_parameters

MAX_BODY_DEPTH = 100

_BOUNDARY = re.compile(r"""boundary=(?:"([^"]+)"|([^\s;]+))""", re.IGNORECASE)
_PART_NAME = re.compile(r"""[;\s]name="([^"]*)\"""", re.IGNORECASE)
_TEXTUAL = ("json", "javascript", "ecmascript", "xml", "x-www-form-urlencoded")


class BodyTooDeep(Exception):
    """A JSON body nested deeper than MAX_BODY_DEPTH: refused rather than half redacted."""


def media_type(mime_type: object) -> str:
    return str(mime_type or "").split(";", 1)[0].strip().lower()


def is_textual(mime_type: object) -> bool:
    media = media_type(mime_type)
    return media.startswith("text/") or any(word in media for word in _TEXTUAL)


def redact_body(text: str, mime_type: object, tally: Tally) -> str:
    """The body with the values of its secret fields replaced, or the body as it was."""
    media = media_type(mime_type)
    if media == "application/x-www-form-urlencoded":
        return redact_parameters(text, tally, parameter_category)
    if media == "multipart/form-data":
        return _redact_multipart(text, str(mime_type), tally)
    if "json" in media or text.lstrip()[:1] in ("{", "["):
        return _redact_json(text, tally)
    return text


def _redact_json(text: str, tally: Tally) -> str:
    try:
        document = json.loads(text)
    except RecursionError as nested:
        raise BodyTooDeep from nested
    except ValueError:
        return text  # not JSON after all: only the patterns of text.py apply
    if deeper_than(document, MAX_BODY_DEPTH):
        raise BodyTooDeep
    if not _redact_values(document, tally):
        return text
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _is_secret_scalar(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return value not in ("", REDACTED)
    return isinstance(value, int | float)


def _redact_values(node: object, tally: Tally) -> bool:
    """Replace, in place, the scalar values of secret keys (and of lists under them)."""
    changed = False
    if isinstance(node, list):
        for item in node:
            changed |= _redact_values(item, tally)
    elif isinstance(node, dict):
        for key, value in node.items():
            category = json_key_category(key)
            if category and _is_secret_scalar(value):
                tally.found(category, value)
                node[key] = REDACTED
                changed = True
            elif category and isinstance(value, list):
                for index, item in enumerate(value):
                    if _is_secret_scalar(item):
                        tally.found(category, item)
                        value[index] = REDACTED
                        changed = True
                    else:
                        changed |= _redact_values(item, tally)
            else:
                changed |= _redact_values(value, tally)
    return changed


def _redact_multipart(text: str, mime_type: str, tally: Tally) -> str:
    match = _BOUNDARY.search(mime_type)
    if not match:
        return text
    delimiter = "--" + (match.group(1) or match.group(2))
    parts = text.split(delimiter)
    for index, part in enumerate(parts[1:], start=1):
        for blank_line in ("\r\n\r\n", "\n\n"):
            head, found, body = part.partition(blank_line)
            if found:
                break
        else:
            continue
        name = _PART_NAME.search(head)
        if not name or "filename=" in head.lower():
            continue  # an uploaded file: only the patterns of text.py apply
        category = parameter_category(name.group(1))
        value = body.rstrip("\r\n")
        if category is None or value in ("", REDACTED):
            continue
        tally.found(category, value)
        parts[index] = f"{head}{blank_line}{REDACTED}{body[len(value) :]}"
    return delimiter.join(parts)
