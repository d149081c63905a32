"""Reading a HAR 1.x file (http://www.softwareishard.com/blog/har-12-spec/) defensively: what
is not one is refused with a message that names what is wrong."""

import json
import re

from tocsin.errors import ValidationFailed

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 100

_VERSION = re.compile(r"1\.\d+")


class InvalidHar(ValidationFailed):
    """Not a HAR 1.x file, or one Tocsin will not read; reported on the upload's `file` field."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


def _not_har(problem: str) -> InvalidHar:
    return InvalidHar(f"not a HAR file: {problem}")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def read_har(data: bytes) -> dict:
    """The document in `data`, checked: a log, version 1.x, a creator, entries of HAR's shape."""
    if not data or not bytes(data).strip():
        raise InvalidHar("the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidHar(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = bytes(data).decode("utf-8-sig")  # HAR is UTF-8; a byte order mark is allowed
    except UnicodeDecodeError as error:
        raise _not_har(f"it is not UTF-8 text (byte {error.start})") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _not_har(f"it is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as error:
        raise _not_har(
            f"it is not JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    except ValueError as error:
        raise _not_har(f"it is not JSON ({error})") from None
    if deeper_than(document, MAX_DEPTH):
        raise _not_har(f"it is nested deeper than {MAX_DEPTH} levels")
    _check_shape(document)
    return document


def deeper_than(document: object, limit: int) -> bool:
    """Whether objects and lists nest more than `limit` levels (counted without recursion)."""
    if not isinstance(document, dict | list):
        return False
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return _JSON_TYPES[type(value)]


def _member(parent: dict, name: str, path: str, kind: type, *, required: bool = True):
    where = f"{path}.{name}" if path else name
    if name not in parent:
        if required:
            raise _not_har(f"{where} is missing")
        return None
    value = parent[name]
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _not_har(f"{where} is {_kind(value)}, not a whole number")
    elif not isinstance(value, kind):
        raise _not_har(f"{where} is {_kind(value)}, not {_JSON_TYPES[kind]}")
    return value


def _pairs(parent: dict, name: str, path: str, *, required: bool, value_required: bool = True):
    items = _member(parent, name, path, list, required=required) or []
    for index, item in enumerate(items):
        where = f"{path}.{name}[{index}]"
        if not isinstance(item, dict):
            raise _not_har(f"{where} is {_kind(item)}, not a name/value pair")
        _member(item, "name", where, str)
        _member(item, "value", where, str, required=value_required)


def _check_shape(document: object) -> None:
    if not isinstance(document, dict):
        raise _not_har(f"it is {_kind(document)}, not an object with a log")
    log = _member(document, "log", "", dict)
    version = _member(log, "version", "log", str)
    if not _VERSION.fullmatch(version):
        raise InvalidHar(f"not a HAR 1.x file: log.version is {json.dumps(version)}")
    _member(log, "creator", "log", dict)
    _member(log, "pages", "log", list, required=False)
    entries = _member(log, "entries", "log", list)
    for index, entry in enumerate(entries):
        path = f"log.entries[{index}]"
        if not isinstance(entry, dict):
            raise _not_har(f"{path} is {_kind(entry)}, not an object")
        _check_request(_member(entry, "request", path, dict), f"{path}.request")
        _check_response(_member(entry, "response", path, dict), f"{path}.response")


def _check_request(request: dict, path: str) -> None:
    _member(request, "method", path, str)
    _member(request, "url", path, str)
    _pairs(request, "headers", path, required=True)
    _pairs(request, "cookies", path, required=False)
    _pairs(request, "queryString", path, required=False)
    post = _member(request, "postData", path, dict, required=False)
    if post is not None:
        where = f"{path}.postData"
        _member(post, "mimeType", where, str, required=False)
        _member(post, "text", where, str, required=False)
        _pairs(post, "params", where, required=False, value_required=False)


def _check_response(response: dict, path: str) -> None:
    _member(response, "status", path, int)
    _pairs(response, "headers", path, required=True)
    _pairs(response, "cookies", path, required=False)
    _member(response, "redirectURL", path, str, required=False)
    content = _member(response, "content", path, dict)
    where = f"{path}.content"
    _member(content, "mimeType", where, str, required=False)
    _member(content, "text", where, str, required=False)
    _member(content, "encoding", where, str, required=False)
