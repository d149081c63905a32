"""Checkly webhook alert channel.

Checkly posts whatever Handlebars template the user configures. Its default template is
`{"message": "{{ALERT_TITLE}}", "link": "{{RESULT_LINK}}"}`, which names neither the check nor
the kind of alert, so it can only trigger (never resolve) and each distinct message is its own
alert. Paste `RECOMMENDED_TEMPLATE` (below) instead.

- resolve: `alert_type` is ALERT_RECOVERY or ALERT_DEGRADED_RECOVERY (back to passing).
  ALERT_FAILURE, ALERT_FAILURE_REMAIN, ALERT_DEGRADED_FAILURE, ALERT_DEGRADED,
  ALERT_DEGRADED_REMAIN, ALERT_FAILURE_DEGRADED, ALERT_SSL and anything unknown trigger.
- fingerprint: `check_id`, so failing, degraded and recovered are one alert per check; an
  SSL alert (ALERT_SSL…) is `<check_id>:ssl`, apart from the check's failures. Without
  `check_id`: `fingerprint_of(message, link)`.
- summary: `alert_title`, else `message`, else `check_name`; severity: a `severity` key if the
  template adds one, else the family of `alert_type`: "failure", "degraded" or "ssl".
- source: `ssl_check_domain`, else `check_name`; link: `link` ("Check result");
  labels: check_name, check_type, group_name, run_location, alert_type and the tags
  ("team:payments" → team=payments); starts_at: `started_at`.

`{{VARIABLE}}` HTML-escapes what it inserts (a check named `My "API"` arrives as
`My &quot;API&quot;`), which keeps the JSON valid; values are unescaped here. A value still
reading `{{SOMETHING}}` was not rendered and counts as empty.
"""

import html
import re
from typing import Any

from . import Action, ParsedAlert, PayloadError, fingerprint_of
from ._fields import array, body_object, path, tag_labels, text, timestamp, wrong_type

# Handlebars, not JSON: the tags line is a loop. The integration page shows it to paste.
RECOMMENDED_TEMPLATE = """\
{
  "alert_type": "{{ALERT_TYPE}}",
  "alert_title": "{{ALERT_TITLE}}",
  "check_id": "{{CHECK_ID}}",
  "check_name": "{{CHECK_NAME}}",
  "check_type": "{{CHECK_TYPE}}",
  "group_name": "{{GROUP_NAME}}",
  "run_location": "{{RUN_LOCATION}}",
  "response_time": "{{RESPONSE_TIME}}",
  "started_at": "{{STARTED_AT}}",
  "check_result_id": "{{CHECK_RESULT_ID}}",
  "ssl_check_domain": "{{SSL_CHECK_DOMAIN}}",
  "ssl_days_remaining": "{{SSL_DAYS_REMAINING}}",
  "tags": [{{#each TAGS}}"{{this}}"{{#unless @last}},{{/unless}}{{/each}}],
  "link": "{{RESULT_LINK}}",
  "message": "{{ALERT_TITLE}}"
}"""

_PLACEHOLDER = re.compile(r"^\{\{.*\}\}$", re.DOTALL)
RECOVERY_TYPES = ("ALERT_RECOVERY", "ALERT_DEGRADED_RECOVERY")
KEYS = (
    "alert_type",
    "alert_title",
    "message",
    "link",
    "check_id",
    "check_name",
    "check_type",
    "group_name",
    "run_location",
    "response_time",
    "started_at",
    "check_result_id",
    "ssl_check_domain",
    "ssl_days_remaining",
    "error_message",
    "severity",
)
LABELED = ("check_name", "check_type", "group_name", "run_location")
ANNOTATED = ("check_result_id", "response_time", "ssl_days_remaining", "error_message")


def parse(payload: Any) -> list[ParsedAlert]:
    body = body_object(payload)
    values = {key: _value(body, key) for key in KEYS}
    alert_type = values["alert_type"].upper()
    summary = values["alert_title"] or values["message"] or values["check_name"]
    if not summary and not values["check_id"]:
        raise PayloadError("'message' is missing or blank", field="message")

    family = _family(alert_type)
    if values["check_id"]:
        fingerprint = values["check_id"] + (":ssl" if family == "ssl" else "")
    else:
        fingerprint = fingerprint_of(values["message"], values["link"])

    labels = tag_labels(_tags(body))
    labels.update({key: values[key] for key in LABELED if values[key]})
    if alert_type:
        labels["alert_type"] = alert_type
    link = values["link"]
    return [
        ParsedAlert(
            fingerprint=fingerprint,
            action=Action.RESOLVE if alert_type in RECOVERY_TYPES else Action.TRIGGER,
            summary=summary or f"Check {values['check_id']}",
            description=values["error_message"],
            source=values["ssl_check_domain"] or values["check_name"],
            severity=values["severity"] or family,
            labels=labels,
            annotations={key: values[key] for key in ANNOTATED if values[key]},
            links=[{"href": link, "text": "Check result"}] if link else [],
            starts_at=timestamp(values["started_at"], "started_at", strict=False),
            raw=body,
        )
    ]


def _value(body: dict, key: str) -> str:
    value = html.unescape(text(body, key, key)).strip()
    return "" if _PLACEHOLDER.match(value) else value


def _family(alert_type: str) -> str:
    if alert_type.startswith("ALERT_SSL"):
        return "ssl"
    if alert_type in RECOVERY_TYPES or not alert_type.startswith("ALERT_"):
        return ""
    # ALERT_DEGRADED_FAILURE escalates to a failure; ALERT_FAILURE_DEGRADED de-escalates.
    if alert_type.endswith("FAILURE") or alert_type == "ALERT_FAILURE_REMAIN":
        return "failure"
    if "DEGRADED" in alert_type:
        return "degraded"
    return "failure" if "FAIL" in alert_type else ""


def _tags(body: dict) -> list[str]:
    tags = body.get("tags")
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = html.unescape(tags)
        return [] if _PLACEHOLDER.match(tags.strip()) else tags.split(",")
    for index, tag in enumerate(array(body, "tags", "tags")):
        if not isinstance(tag, str):
            raise wrong_type(path("tags", index), "a string", tag)
    return [html.unescape(tag) for tag in tags]
