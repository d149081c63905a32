"""Heartbeat pings: a job calls its heartbeat URL to say "I ran".

The body may be empty (the usual `curl -fsS -X POST <url>`), `{}`, any other JSON or text, or
`{"status": "fail", "message": "…"}`:

- anything but a failure report: a ping; `parse` returns [] because there is no alert in it.
  The caller records the time of the ping, and, as the job is healthy again, resolves the
  integration's open alert with fingerprint `HEARTBEAT_FINGERPRINT`, if any.
- `"status": "fail"`: the job ran and reports that it failed; `parse` returns one trigger with
  fingerprint `HEARTBEAT_FINGERPRINT` and the message as summary and description.

A missed ping is not a request and so not a parser's business: the heartbeat checker raises
it as an alert with the same `HEARTBEAT_FINGERPRINT`, so that a late ping or a failure report
and a missed ping are one alert, not two.
"""

from typing import Any

from . import Action, ParsedAlert

HEARTBEAT_FINGERPRINT = "heartbeat"
STATUSES = ("ok", "fail")
MAX_MESSAGE = 2000


def parse(payload: Any) -> list[ParsedAlert]:
    """[] for a ping; one trigger for {"status": "fail"}.

    Anything else is a ping, whatever it says: a monitoring system's own notification (such as
    Alertmanager's always-firing Watchdog sent to this URL) proves it is alive.
    """
    if not isinstance(payload, dict) or payload.get("status") != "fail":
        return []
    message = payload.get("message")
    message = (message if isinstance(message, str) else "").strip()[:MAX_MESSAGE]
    return [
        ParsedAlert(
            fingerprint=HEARTBEAT_FINGERPRINT,
            action=Action.TRIGGER,
            summary=message.splitlines()[0] if message else "The job reported a failure",
            description=message,
            raw=payload,
        )
    ]
