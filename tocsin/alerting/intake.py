"""HTTP intake: `POST /api/v1/integrations/{token}/{kind}` and PagerDuty's `POST /v2/enqueue`.

The order of checks is the contract: unknown token 404, too large 413, bad signature 401,
malformed JSON 400, wrong shape 422, the emergency brake 429 (which counts the request's alerts,
so it needs them parsed). None of them stores anything. A request that passes them all is
stored as it came, in one statement (intake_queue.accept), and answered 202: a 2xx answer means
every alert in the request is committed. The worker acts on it a moment later.
"""

import functools
import json
import math
import threading
import time

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tocsin.http import Refused

from . import keys
from .changes import record_change
from .heartbeats import record_heartbeat
from .intake_queue import accept
from .keys import IntegrationKey
from .models import Integration, Kind
from .sources import PayloadError, signatures
from .sources._fields import path
from .sources.pagerduty import parse_change
from .sources.registry import parse

# A signed timestamp older than this is a replay.
SIGNATURE_MAX_AGE_SECONDS = 300


def read_body(request) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise Refused(413, "payload_too_large", f"the body is larger than {limit} bytes")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise Refused(413, "payload_too_large", f"the body is larger than {limit} bytes")
    return body


def check_signature(integration: IntegrationKey, request, body: bytes) -> None:
    if not integration.signing_secret:
        return
    if integration.kind == Kind.CHECKLY:
        valid = signatures.verify_checkly(
            body, integration.signing_secret, request.headers.get("x-checkly-signature")
        )
        header = "x-checkly-signature"
    else:
        header = integration.signature_header or "X-Tocsin-Signature"
        timestamp_header = f"{header}-Timestamp"
        valid = signatures.verify_hmac_sha256(
            body,
            integration.signing_secret,
            request.headers.get(header),
            timestamp=request.headers.get(timestamp_header),
            max_age_seconds=SIGNATURE_MAX_AGE_SECONDS,
        )
    if not valid:
        raise Refused(401, "bad_signature", f"the {header} signature is missing or wrong")


# The emergency brake: the limit itself starts a storm (storms.py) and refuses nothing, because
# senders such as Alertmanager do not retry a 429. Far above it, each web process refuses an
# integration's requests for the rest of the minute, to keep one runaway sender from filling
# the disk.
BRAKE_FACTOR = 20
_brake: dict[int, tuple[int, int]] = {}  # integration id: (minute, alerts accepted in it)
_brake_lock = threading.Lock()


def release_brakes() -> None:
    """Forget this process's counts (the tests' databases come and go under one process)."""
    with _brake_lock:
        _brake.clear()


def check_brake(key: IntegrationKey, *, alerts: int) -> None:
    """Refuse the request whole if this process has already accepted `BRAKE_FACTOR` times the
    integration's limit this minute."""
    if not alerts:
        return
    now = time.time()
    minute = int(now // 60)
    ceiling = key.rate_limit_per_minute * BRAKE_FACTOR
    with _brake_lock:
        counted_minute, counted = _brake.get(key.id, (minute, 0))
        if counted_minute != minute:
            counted = 0
        if counted + alerts <= ceiling:
            _brake[key.id] = (minute, counted + alerts)
            return
    retry = max(1, math.ceil((minute + 1) * 60 - now))
    raise Refused(
        429,
        "rate_limited",
        f"{key.name} has sent more than {ceiling} alerts this minute ({BRAKE_FACTOR} times its "
        f"limit of {key.rate_limit_per_minute}); try again later",
        headers={"Retry-After": str(retry)},
    )


# No sender nests deeper than a dozen levels; a thousand is an attack on the parser.
MAX_DEPTH = 64


def _not_a_number(literal: str):
    raise ValueError(f"{literal} is not a JSON number")


def decode(body: bytes):
    try:
        payload = json.loads(body or b"null", parse_constant=_not_a_number)
        # Lone surrogates decode but cannot be stored; refuse them here, not in the database.
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise Refused(
            400, "malformed_json", f"the body is nested deeper than {MAX_DEPTH} levels"
        ) from None
    except (UnicodeError, ValueError) as error:
        raise Refused(400, "malformed_json", f"the body is not valid JSON: {error}") from None
    _check_storable(payload)
    return payload


def _check_storable(payload) -> None:
    """Refuse what JSON allows but no database keeps: deep nesting and NUL characters."""
    pending = [(payload, None, 1)]
    while pending:
        value, where, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise Refused(
                400, "malformed_json", f"the body is nested deeper than {MAX_DEPTH} levels"
            )
        if isinstance(value, str):
            if "\x00" in value:
                raise Refused(
                    422,
                    "invalid_payload",
                    f"{where or 'the body'} contains a NUL character, which cannot be stored",
                    field=where,
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                pending.append((key, where, depth))
                pending.append((item, path(where, key), depth + 1))
        elif isinstance(value, list):
            pending.extend((item, path(where, i), depth + 1) for i, item in enumerate(value))


def _lenient(body: bytes):
    """A heartbeat's body is optional and may be anything; only JSON can report a failure."""
    try:
        return decode(body) if body.strip() else None
    except Refused:
        return None


def _checked(key: IntegrationKey, request, kind: str, read):
    """The request's body, payload and parsed alerts, once every check passed (in the order of
    the contract above); `read()` reads the body, once."""
    if kind != key.kind:
        raise Refused(
            404,
            "wrong_kind",
            f"this is a {key.get_kind_display()} integration: post to .../{key.kind}",
        )
    allowed = ("GET", "POST") if kind == Kind.HEARTBEAT else ("POST",)
    if request.method not in allowed:
        raise Refused(
            405,
            "method_not_allowed",
            f"use {' or '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    body = read()
    check_signature(key, request, body)
    payload = _lenient(body) if kind == Kind.HEARTBEAT else decode(body)
    try:
        return body, payload, parse(kind, payload)
    except PayloadError as error:
        raise Refused(422, "invalid_payload", error.message, field=error.field) from None


def _stored_body(body: bytes, payload) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:  # JSON in UTF-16 or UTF-32: stored as UTF-8
        return json.dumps(payload, ensure_ascii=False)


@csrf_exempt
def receive(request, token: str, kind: str):
    """One integration's endpoint; a heartbeat also accepts a plain GET."""
    try:
        key = keys.lookup(token)
        read = functools.cache(lambda: read_body(request))
        while True:
            if key is None:
                raise Refused(404, "unknown_integration", "no enabled integration has this token")
            try:
                body, payload, alerts = _checked(key, request, kind, read)
            except Refused as refused:
                # A kind or signing secret changed since this process cached the key.
                if key.fresh or refused.status not in (401, 404):
                    raise
                key = keys.reload(key.token_hash)
                continue
            if kind == Kind.HEARTBEAT and not alerts:
                outcome = record_heartbeat(integration=Integration.objects.get(pk=key.id))
                return JsonResponse(
                    {"status": "accepted", "heartbeat": True, "decisions": outcome.decisions},
                    status=202,
                )
            check_brake(key, alerts=len(alerts))
            event = accept(key, _stored_body(body, payload), alerts=len(alerts))
            if event is not None:
                break
            key = None if key.fresh else keys.reload(key.token_hash)
    except Refused as refused:
        return refused.response()
    return JsonResponse(
        {
            "status": "accepted",
            "event": event,
            "alerts": [{"fingerprint": a.fingerprint, "action": a.action} for a in alerts],
        },
        status=202,
    )


def _pagerduty_error(status: int, errors: list[str], *, headers=None) -> JsonResponse:
    if status == 400 and errors == ["JSON parse error"]:
        body = {"status": "Unrecognized object", "message": "Event object format is unrecognized"}
    else:
        body = {"status": "invalid event", "message": "Event object is invalid"}
    return JsonResponse({**body, "errors": errors}, status=status, headers=headers)


class _Answered(Exception):
    """A PagerDuty request refused before its event is read; `response` says why."""

    def __init__(self, response: JsonResponse):
        self.response = response


def _pagerduty_event(request) -> tuple[bytes, dict, IntegrationKey]:
    """The body, the decoded event and the integration its routing key names, or _Answered."""
    if request.method != "POST":
        raise _Answered(_pagerduty_error(405, ["use POST"], headers={"Allow": "POST"}))
    try:
        body = read_body(request)
        payload = decode(body)
    except Refused as refused:
        if refused.code == "malformed_json":
            raise _Answered(_pagerduty_error(400, ["JSON parse error"])) from None
        # PagerDuty answers 400 to an event it cannot take, whatever the reason.
        status = 400 if refused.status == 422 else refused.status
        raise _Answered(_pagerduty_error(status, [refused.message])) from None
    routing_key = payload.get("routing_key") if isinstance(payload, dict) else None
    if not isinstance(routing_key, str) or not routing_key:
        raise _Answered(_pagerduty_error(400, ["'routing_key' is missing or blank"]))
    key = keys.lookup(routing_key)
    if key is not None and key.kind != Kind.PAGERDUTY and not key.fresh:
        key = keys.reload(key.token_hash)  # its kind changed since it was cached
    if key is None or key.kind != Kind.PAGERDUTY:
        raise _Answered(
            _pagerduty_error(404, ["'routing_key' is not the key of an enabled integration"])
        )
    return body, payload, key


@csrf_exempt
def pagerduty_change_enqueue(request):
    """PagerDuty's Change Events API (`/v2/change/enqueue`): a deploy, not a problem."""
    try:
        _, payload, key = _pagerduty_event(request)
    except _Answered as answered:
        return answered.response
    try:
        change = parse_change(payload)
    except PayloadError as error:
        return _pagerduty_error(400, [error.message])
    integration = Integration.objects.select_related("service").get(pk=key.id)
    record_change(integration=integration, change=change)
    return JsonResponse({"status": "success", "message": "Change event processed"}, status=202)


@csrf_exempt
def pagerduty_enqueue(request):
    """PagerDuty Events API v2, answered as PagerDuty does; routing_key is the integration key."""
    try:
        body, payload, key = _pagerduty_event(request)
    except _Answered as answered:
        return answered.response
    try:
        alerts = parse(Kind.PAGERDUTY, payload)
    except PayloadError as error:
        return _pagerduty_error(400, [error.message])
    if not payload.get("dedup_key"):
        # The key PagerDuty makes up for a trigger without one, stored so the worker uses it too.
        payload["dedup_key"] = alerts[0].fingerprint
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    body = _stored_body(body, payload)
    while True:
        try:
            check_brake(key, alerts=len(alerts))
        except Refused as refused:
            return _pagerduty_error(429, [refused.message], headers=refused.headers)
        if accept(key, body, alerts=len(alerts)) is not None:
            break
        # The key changed since this process cached it: check it again, once, for real.
        key = None if key.fresh else keys.reload(key.token_hash)
        if key is None or key.kind != Kind.PAGERDUTY:
            return _pagerduty_error(404, ["'routing_key' is not the key of an enabled integration"])
    # As sent: a key longer than the column is stored as its hash, but the client keeps its own.
    return JsonResponse(
        {"status": "success", "message": "Event processed", "dedup_key": alerts[0].fingerprint},
        status=202,
    )
