"""Removing the secrets from a HAR file, keeping its structure and everything else in it."""

import base64
import binascii
import json
import re
from collections import Counter
from dataclasses import dataclass

from .bodies import MAX_BODY_DEPTH, BodyTooDeep, is_textual, redact_body
from .names import header_category, parameter_category
from .parsing import InvalidHar, read_har
from .report import RedactionReport, Tally
from .text import REDACTED, query_category, redact_text, redact_url

# Set-Cookie attributes that say how a cookie is kept, never what it holds.
_COOKIE_ATTRIBUTES = {
    "path",
    "domain",
    "expires",
    "max-age",
    "samesite",
    "secure",
    "httponly",
    "partitioned",
    "priority",
    "version",
}


# A value worth looking for again: 10 or more characters, letters and digits, none that could
# break the JSON, URL or form text it is replaced in.
_TOKEN_LIKE = re.compile(r"(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9._~+/=-]{10,}")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9._~+/=-]{10,}")
_PART_SEPARATORS = re.compile(r"([/.=])")
# Fields that describe the exchange and hold no secret: never rewritten by a repeat.
_DESCRIPTIVE = {
    "startedDateTime",
    "method",
    "httpVersion",
    "mimeType",
    "name",
    "encoding",
    "serverIPAddress",
    "connection",
    "pageref",
    "id",
    "statusText",
}


@dataclass(frozen=True)
class Redacted:
    """The file to store, and the report to store beside it."""

    content: bytes
    report: RedactionReport


def redact_har(data: bytes) -> Redacted:
    """The HAR file in `data` without its secrets, and what was removed.

    Raises InvalidHar (field "file") for anything that is not a HAR 1.x file. When nothing is
    removed the content is `data` itself; otherwise it is the document written again as UTF-8
    JSON indented by two spaces.
    """
    har = read_har(data)
    entries = har["log"]["entries"]
    total: Counter = Counter()
    tallies = []
    for index, entry in enumerate(entries):
        tally = Tally()
        tallies.append(tally)
        try:
            _redact_entry(entry, tally)
        except BodyTooDeep:
            raise InvalidHar(
                f"log.entries[{index}] has a JSON body nested deeper than {MAX_BODY_DEPTH} levels"
            ) from None
        _redact_strings(entry, tally)
        total.update(tally.counts())
    rest = Tally()
    for key, value in har["log"].items():
        if key != "entries":
            har["log"][key] = _redact_strings(value, rest)
    total.update(rest.counts())
    _remove_repeats(har, {secret for tally in (*tallies, rest) for secret in tally.secrets})
    report = RedactionReport.from_counts(total, entries=len(entries))
    if not report.counts:
        return Redacted(content=bytes(data), report=report)
    return Redacted(content=_write(har), report=report)


def _write(har: dict) -> bytes:
    try:
        return json.dumps(har, ensure_ascii=False, indent=2).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800") read from the file cannot be UTF-8: keep it escaped.
        return json.dumps(har, ensure_ascii=True, indent=2).encode("ascii")


def _redact_entry(entry: dict, tally: Tally) -> None:
    request, response = entry["request"], entry["response"]
    for message in (request, response):
        for header in message["headers"]:
            _redact_header(header, tally)
        for cookie in message.get("cookies") or []:
            if cookie["value"] not in ("", REDACTED):
                tally.found("cookie", cookie["value"])
                cookie["value"] = REDACTED
    request["url"] = redact_url(request["url"], tally)
    _redact_pairs(request.get("queryString") or [], tally, query_category)
    post = request.get("postData")
    if post:
        _redact_pairs(post.get("params") or [], tally, parameter_category)
        if isinstance(post.get("text"), str):
            post["text"] = redact_body(post["text"], post.get("mimeType"), tally)
    if isinstance(response.get("redirectURL"), str):
        response["redirectURL"] = redact_url(response["redirectURL"], tally)
    _redact_content(response["content"], tally)
    # Chromium's DevTools keeps WebSocket frames beside the entry; text frames may be JSON.
    messages = entry.get("_webSocketMessages")
    for message in messages if isinstance(messages, list) else ():
        text_frame = isinstance(message, dict) and message.get("opcode") == 1
        if text_frame and isinstance(message.get("data"), str):
            message["data"] = redact_body(message["data"], None, tally)


def _redact_pairs(pairs: list, tally: Tally, categorise) -> None:
    for pair in pairs:
        value = pair.get("value")
        category = categorise(pair["name"])
        if category and isinstance(value, str) and value not in ("", REDACTED):
            tally.found(category, value)
            pair["value"] = REDACTED


def _redact_header(header: dict, tally: Tally) -> None:
    category = header_category(header["name"])
    if category is None:
        return
    value = header["value"]
    if category == "cookie header":
        redacted = _redact_cookie_pairs(value, tally)
    elif category == "set-cookie header":
        redacted = "\n".join(_redact_set_cookie(line, tally) for line in value.split("\n"))
    elif category in ("authorization header", "proxy-authorization header"):
        redacted = _redact_credentials(value, tally)
    else:
        redacted = REDACTED if value else value
    if redacted != value:
        tally.found(category, value)
        header["value"] = redacted


def _redact_cookie_pairs(value: str, tally: Tally) -> str:
    """`a=1; b=2` -> `a=[redacted]; b=[redacted]`: the cookies' names stay."""
    parts = value.split(";")
    for index, part in enumerate(parts):
        name, equals, cookie = part.partition("=")
        secret = cookie.strip() if equals else part.strip()
        if secret in ("", REDACTED):
            continue
        tally.remember(secret)
        if equals:
            parts[index] = f"{name}={REDACTED}"
        else:
            parts[index] = part[: len(part) - len(part.lstrip())] + REDACTED
    return ";".join(parts)


def _redact_set_cookie(line: str, tally: Tally) -> str:
    """The cookie's value goes; Path, Expires, SameSite… stay; other attributes lose their value."""
    first, *attributes = line.split(";")
    kept = [_redact_cookie_pairs(first, tally)]
    for attribute in attributes:
        name = attribute.split("=", 1)[0].strip().lower()
        if name in _COOKIE_ATTRIBUTES:
            kept.append(attribute)
        else:
            kept.append(_redact_cookie_pairs(attribute, tally))
    return ";".join(kept)


def _redact_credentials(value: str, tally: Tally) -> str:
    """`Bearer abc` -> `Bearer [redacted]`: the scheme says how the request was authorised."""
    scheme, space, credentials = value.strip().partition(" ")
    if space and credentials.strip():
        if credentials.strip() == REDACTED:
            return value
        tally.remember(credentials.strip())
        return f"{scheme} {REDACTED}"
    return value if value in ("", REDACTED) else REDACTED


def _redact_content(content: dict, tally: Tally) -> None:
    text = content.get("text")
    if not isinstance(text, str):
        return
    if content.get("encoding") != "base64":
        content["text"] = redact_body(text, content.get("mimeType"), tally)
        return
    # Base64 bodies: decoded, redacted and encoded again when they are UTF-8 text; images,
    # fonts and other binary bodies are kept as they are.
    if not is_textual(content.get("mimeType")):
        return
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return
    redacted = redact_text(redact_body(decoded, content.get("mimeType"), tally), tally)
    if redacted != decoded:
        content["text"] = base64.b64encode(redacted.encode("utf-8")).decode("ascii")


def _redact_strings(node, tally: Tally):
    """Every string value under `node`, through the patterns of text.py; base64 left alone."""
    if isinstance(node, str):
        return redact_text(node, tally)
    if isinstance(node, list):
        for index, item in enumerate(node):
            node[index] = _redact_strings(item, tally)
    elif isinstance(node, dict):
        binary = node.get("encoding") == "base64" or node.get("opcode") == 2
        for key, value in node.items():
            if binary and key in ("text", "data"):
                continue
            node[key] = _redact_strings(value, tally)
    return node


def _remove_repeats(har: dict, secrets: set[str]) -> None:
    """A secret removed in one place goes wherever else the file repeats it: the CSRF token in a
    page's <meta>, a session id in a path. Only values that look like tokens are looked for, as
    whole runs of token characters or their parts between "/", "." and "=", so a cookie "dark"
    or "1" leaves those words elsewhere alone, and the work grows with the file, not with the
    number of secrets."""
    repeated = {secret for secret in secrets if _TOKEN_LIKE.fullmatch(secret)}
    if repeated:
        _replace_strings(har, repeated)


def _without_repeats(text: str, secrets: set[str]) -> str:
    if len(secrets) <= 64 and not any(secret in text for secret in secrets):
        return text  # a quicker answer for the usual file, with a few secrets repeated

    def replace(match: re.Match) -> str:
        run = match.group(0)
        if run in secrets:
            return REDACTED
        parts = _PART_SEPARATORS.split(run)
        if not any(part in secrets for part in parts):
            return run
        return "".join(REDACTED if part in secrets else part for part in parts)

    return _TOKEN_RUN.sub(replace, text)


def _replace_strings(node, secrets: set[str]):
    if isinstance(node, str):
        return _without_repeats(node, secrets)
    if isinstance(node, list):
        for index, item in enumerate(node):
            node[index] = _replace_strings(item, secrets)
    elif isinstance(node, dict):
        binary = node.get("encoding") == "base64" or node.get("opcode") == 2
        for key, value in node.items():
            if key not in _DESCRIPTIVE and not (binary and key in ("text", "data")):
                node[key] = _replace_strings(value, secrets)
    return node
