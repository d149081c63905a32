"""HTTP intake: `POST /api/v1/integrations/{token}/{kind}` and PagerDuty's `POST /v2/enqueue`.

The order of checks is the contract: unknown token 404, too large 413, bad signature 401,
malformed JSON 400, wrong shape 422, rate limit 429 (which counts the request's alerts, so it
needs them parsed). None of them stores anything; a 2xx answer means every alert in the request
is committed.
"""

import json
import math
from datetime import timedelta

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tocsin.http import Refused

from .changes import record_change
from .heartbeats import record_heartbeat
from .ingest import ingest
from .models import AlertEvent, Integration, Kind
from .sources import PayloadError, signatures
from .sources._fields import path
from .sources.pagerduty import parse_change
from .sources.registry import parse

# A signed timestamp older than this is a replay.
SIGNATURE_MAX_AGE_SECONDS = 300


def integration_for(token: str) -> Integration | None:
    # token_hash is unique: no ORDER BY, which costs more to build than to run.
    found = (
        Integration.objects.select_related("team", "service", "severity")
        .filter(token_hash=Integration.hash_token(token or ""), enabled=True)
        .order_by()[:1]
    )
    return next(iter(found), None)


def read_body(request) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise Refused(413, "payload_too_large", f"the body is larger than {limit} bytes")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise Refused(413, "payload_too_large", f"the body is larger than {limit} bytes")
    return body


def check_signature(integration: Integration, request, body: bytes) -> None:
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


def check_rate(integration: Integration, *, alerts: int) -> None:
    """Refuse the request whole if its `alerts` would take the last minute past the limit."""
    if not alerts:
        return
    limit = integration.rate_limit_per_minute
    now = timezone.now()
    window_start = now - timedelta(minutes=1)
    recent = AlertEvent.objects.filter(integration=integration, received_at__gte=window_start)
    # Counting stops at the limit: the cost of the check does not grow with the traffic.
    if alerts <= limit and recent[:limit].count() + alerts <= limit:
        return
    oldest = recent.order_by("received_at").values_list("received_at", flat=True).first() or now
    retry = max(1, math.ceil((oldest + timedelta(minutes=1) - now).total_seconds()))
    raise Refused(
        429,
        "rate_limited",
        f"{integration.name} accepts at most {limit} alerts a minute and this request has "
        f"{alerts}; try again later",
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


@csrf_exempt
def receive(request, token: str, kind: str):
    """One integration's endpoint; a heartbeat also accepts a plain GET."""
    try:
        integration = integration_for(token)
        if integration is None:
            raise Refused(404, "unknown_integration", "no enabled integration has this token")
        if kind != integration.kind:
            raise Refused(
                404,
                "wrong_kind",
                f"this is a {integration.get_kind_display()} integration: "
                f"post to .../{integration.kind}",
            )
        allowed = ("GET", "POST") if kind == Kind.HEARTBEAT else ("POST",)
        if request.method not in allowed:
            raise Refused(
                405,
                "method_not_allowed",
                f"use {' or '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
        body = read_body(request)
        check_signature(integration, request, body)
        payload = _lenient(body) if kind == Kind.HEARTBEAT else decode(body)
        try:
            alerts = parse(kind, payload)
        except PayloadError as error:
            raise Refused(422, "invalid_payload", error.message, field=error.field) from None
        check_rate(integration, alerts=len(alerts))
        if kind == Kind.HEARTBEAT and not alerts:
            outcomes = [record_heartbeat(integration=integration)]
        else:
            outcomes = ingest(integration=integration, alerts=alerts)
    except Refused as refused:
        return refused.response()
    return JsonResponse(
        {
            "status": "accepted",
            "alerts": [
                {
                    "fingerprint": o.fingerprint,
                    "action": o.action,
                    "alert": o.alert.pk if o.alert else None,
                    "incident": o.incident.reference if o.incident else None,
                    "decisions": o.decisions,
                }
                for o in outcomes
            ],
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


def _pagerduty_event(request) -> tuple[dict, Integration]:
    """The decoded event and the integration its routing key names, or _Answered."""
    if request.method != "POST":
        raise _Answered(_pagerduty_error(405, ["use POST"], headers={"Allow": "POST"}))
    try:
        payload = decode(read_body(request))
    except Refused as refused:
        if refused.code == "malformed_json":
            raise _Answered(_pagerduty_error(400, ["JSON parse error"])) from None
        # PagerDuty answers 400 to an event it cannot take, whatever the reason.
        status = 400 if refused.status == 422 else refused.status
        raise _Answered(_pagerduty_error(status, [refused.message])) from None
    routing_key = payload.get("routing_key") if isinstance(payload, dict) else None
    if not isinstance(routing_key, str) or not routing_key:
        raise _Answered(_pagerduty_error(400, ["'routing_key' is missing or blank"]))
    integration = integration_for(routing_key)
    if integration is None or integration.kind != Kind.PAGERDUTY:
        raise _Answered(
            _pagerduty_error(404, ["'routing_key' is not the key of an enabled integration"])
        )
    return payload, integration


@csrf_exempt
def pagerduty_change_enqueue(request):
    """PagerDuty's Change Events API (`/v2/change/enqueue`): a deploy, not a problem."""
    try:
        payload, integration = _pagerduty_event(request)
    except _Answered as answered:
        return answered.response
    try:
        change = parse_change(payload)
    except PayloadError as error:
        return _pagerduty_error(400, [error.message])
    record_change(integration=integration, change=change)
    return JsonResponse({"status": "success", "message": "Change event processed"}, status=202)


@csrf_exempt
def pagerduty_enqueue(request):
    """PagerDuty Events API v2, answered as PagerDuty does; routing_key is the integration key."""
    try:
        payload, integration = _pagerduty_event(request)
    except _Answered as answered:
        return answered.response
    try:
        alerts = parse(Kind.PAGERDUTY, payload)
    except PayloadError as error:
        return _pagerduty_error(400, [error.message])
    try:
        check_rate(integration, alerts=len(alerts))
    except Refused as refused:
        return _pagerduty_error(429, [refused.message], headers=refused.headers)
    # As sent: a key longer than the column is stored as its hash, but the client keeps its own.
    dedup_key = alerts[0].fingerprint
    ingest(integration=integration, alerts=alerts)
    return JsonResponse(
        {"status": "success", "message": "Event processed", "dedup_key": dedup_key},
        status=202,
    )
