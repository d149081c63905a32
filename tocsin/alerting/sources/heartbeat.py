"""Heartbeat pings: a job calls its heartbeat URL to say "I ran".

The body may be empty (the usual `curl -fsS -X POST <url>`), `{}`, or
`{"status": "ok" | "fail", "message": "…"}`:

- empty, `{}` or `"status": "ok"`: a ping; `parse` returns [] because there is no alert in it.
  The caller records the time of the ping, and, as the job is healthy again, resolves the
  integration's open alert with fingerprint `HEARTBEAT_FINGERPRINT`, if any.
- `"status": "fail"`: the job ran and reports that it failed; `parse` returns one trigger with
  fingerprint `HEARTBEAT_FINGERPRINT` and the message as summary and description.

A missed ping is not a request and so not a parser's business: the heartbeat checker raises
it as an alert with the same `HEARTBEAT_FINGERPRINT`, so that a late ping or a failure report
and a missed ping are one alert, not two.
"""

from typing import Any

from . import Action, ParsedAlert, PayloadError
from ._fields import body_object, shown, string

HEARTBEAT_FINGERPRINT = "heartbeat"
STATUSES = ("ok", "fail")
MAX_MESSAGE = 2000


def parse(payload: Any) -> list[ParsedAlert]:
    if payload is None or payload == "" or payload == b"":
        return []
    body = body_object(payload)
    status = body.get("status")
    if status is None:
        status = "ok"
    if status not in STATUSES:
        raise PayloadError(f"'status' must be 'ok' or 'fail', not {shown(status)}", field="status")
    message = string(body, "message", "message").strip()[:MAX_MESSAGE]
    if status == "ok":
        return []
    return [
        ParsedAlert(
            fingerprint=HEARTBEAT_FINGERPRINT,
            action=Action.TRIGGER,
            summary=message.splitlines()[0] if message else "The job reported a failure",
            description=message,
            raw=body,
        )
    ]
