"""Routing rule matchers as people write them: one per line, `labels.severity = critical`.

    labels.severity = critical        equals
    labels.env != staging             does not equal
    labels.env =~ prod|staging        matches the whole value (a regular expression)
    labels.env !~ dev.*               does not match
    labels.team exists                the alert has this label
    labels.team !exists               it does not

Blank lines and lines starting with # are ignored; a value may be quoted ("a value ").
"""

import re

from .models import Matcher
from .routing import validate_matchers

# Longest first, so that "=~" is not read as "=" followed by "~…".
_OPERATORS = ("=~", "!~", "!=", "==", "=")
_EXISTS = {"exists": "exists", "!exists": "!exists", "not exists": "!exists"}
_LINE = re.compile(r"(?P<field>[^\s=!~]+)\s*(?P<rest>.*)")
SYNTAX = "field op value, where op is =, !=, =~, !~, exists or !exists"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _parse_line(line: str) -> dict:
    match = _LINE.fullmatch(line)
    if not match:
        raise ValueError(f"{line!r} is not {SYNTAX}")
    field, rest = match["field"], match["rest"].strip()
    if rest.lower() in _EXISTS:
        return {"field": field, "op": _EXISTS[rest.lower()], "value": ""}
    op = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if op is None:
        raise ValueError(f"{line!r} is not {SYNTAX}")
    value = rest[len(op) :].strip()
    if not value:
        raise ValueError(f'{line!r} has no value; write "" to match an empty one')
    return {"field": field, "op": "=" if op == "==" else op, "value": _unquote(value)}


def parse_matchers(text: str) -> list[dict]:
    """The matchers written in `text`; a ValueError names the first bad line and why."""
    matchers = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            [matcher] = validate_matchers([_parse_line(line)])
        except ValueError as error:
            message = str(error).replace("matchers[0].", "").replace("matchers[0]", "it")
            raise ValueError(f"line {number}: {message}") from None
        matchers.append(matcher)
    return matchers


def format_matchers(matchers: list[dict]) -> str:
    """The text that `parse_matchers` reads back as the same matchers."""
    lines = []
    for matcher in matchers:
        field, op, value = matcher["field"], matcher["op"], matcher.get("value", "")
        if op in (Matcher.EXISTS, Matcher.NOT_EXISTS):
            lines.append(f"{field} {op}")
            continue
        if not value or value != value.strip() or value[0] in "\"'":
            value = f'"{value}"'
        lines.append(f"{field} {op} {value}")
    return "\n".join(lines)
