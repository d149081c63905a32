"""Ready-to-paste configuration for each kind of integration, with its real URL filled in.

Plain text: the page shows it escaped in a <pre>, the API and docs can reuse it. Whoever may not
see the token gets the same text with dots in its place.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

from .durations import format_duration
from .models import Integration, Kind
from .selectors import MASK, events_api_url, intake_url
from .sources import checkly, datadog

GRAFANA_TIMESTAMP_SUFFIX = "-Timestamp"
DEFAULT_SIGNATURE_HEADER = "X-Tocsin-Signature"

DATADOG_TEMPLATE = datadog.RECOMMENDED_TEMPLATE
CHECKLY_TEMPLATE = checkly.RECOMMENDED_TEMPLATE


@dataclass
class Snippet:
    title: str
    language: str  # yaml, json, sh, text, handlebars: a hint for people, not a highlighter
    text: str
    help: str = ""


@dataclass
class Endpoint:
    """What a sender needs, as the viewer may see it."""

    url: str
    key: str
    secret: str
    header: str
    masked: bool


def endpoint(integration: Integration, *, masked: bool) -> Endpoint:
    secret = integration.signing_secret
    return Endpoint(
        url=intake_url(integration, masked=masked),
        key=MASK if masked else integration.token,
        secret=(MASK if masked and secret else secret),
        header=integration.signature_header or DEFAULT_SIGNATURE_HEADER,
        masked=masked,
    )


def _json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _alertmanager(i: Integration, e: Endpoint) -> list[Snippet]:
    return [
        Snippet(
            "alertmanager.yml: a webhook receiver",
            "yaml",
            f"""route:
  receiver: tocsin
  group_by: [alertname, service]

receivers:
  - name: tocsin
    webhook_configs:
      - url: "{e.url}"
        send_resolved: true  # without it, alerts are never resolved in Tocsin
        max_alerts: 0        # 0 = send every alert of a group""",
            "Merge into your Alertmanager configuration (or add the receiver to an existing "
            "route), then reload Alertmanager. Each Prometheus alert becomes one Tocsin alert.",
        ),
        Snippet(
            "Test it without Prometheus",
            "sh",
            f"""curl -fsS -X POST -H 'Content-Type: application/json' "{e.url}" -d '{{
  "version": "4", "status": "firing", "receiver": "tocsin", "groupKey": "test",
  "alerts": [{{"status": "firing", "fingerprint": "tocsin-test",
    "labels": {{"alertname": "TocsinTest", "severity": "warning"}},
    "annotations": {{"summary": "Test alert from curl"}}}}]
}}'""",
        ),
    ]


def _grafana(i: Integration, e: Endpoint) -> list[Snippet]:
    secret = e.secret or "(set a signing secret on this integration first)"
    return [
        Snippet(
            "Grafana contact point",
            "text",
            f"""Integration:                 Webhook
URL:                         {e.url}
HTTP Method:                 POST
HMAC Signature → Secret:     {secret}
HMAC Signature → Header:     {e.header}
HMAC Signature → Timestamp:  {e.header}{GRAFANA_TIMESTAMP_SUFFIX}
Disable resolved message:    off""",
            "Alerting → Contact points → Add contact point. Leave the payload template empty: "
            "Tocsin reads Grafana's default payload. With a secret set, a request without the "
            "right signature is refused with 401; the timestamp header stops replays.",
        ),
    ]


def _datadog(i: Integration, e: Endpoint) -> list[Snippet]:
    return [
        Snippet(
            "Datadog webhook URL",
            "text",
            e.url,
            "Integrations → Webhooks → New: name it tocsin, paste this URL, leave "
            "“Encode as form” off.",
        ),
        Snippet(
            "Datadog payload",
            "json",
            _json(DATADOG_TEMPLATE),
            "Replace the default payload with this one: it carries the monitor's aggregation "
            "key, so a recovery resolves the alert it belongs to. Then add @webhook-tocsin to "
            "each monitor's message that should page.",
        ),
    ]


def _checkly(i: Integration, e: Endpoint) -> list[Snippet]:
    secret = e.secret or "(optional: set a signing secret on this integration, then here)"
    return [
        Snippet(
            "Checkly webhook alert channel",
            "text",
            f"""URL:             {e.url}
Method:          POST
Webhook secret:  {secret}
Alert on:        Failure, Degradation, Recovery (and SSL certificate expiry if wanted)""",
            "Alert channels → Add → Webhook. Checkly signs the body with the secret in "
            "x-checkly-signature; a wrong signature is refused with 401.",
        ),
        Snippet(
            "Checkly request body",
            "handlebars",
            CHECKLY_TEMPLATE,
            "Paste as the webhook's body. The check id keys the alert, so a recovery resolves "
            "the failure.",
        ),
    ]


def _pagerduty(i: Integration, e: Endpoint) -> list[Snippet]:
    events = events_api_url()
    return [
        Snippet(
            "Any PagerDuty client: change only the URL",
            "text",
            f"""Events API URL:            {events}
Integration (routing) key: {e.key}""",
            "Tools that send to PagerDuty's Events API v2 (monitoring agents, Grafana's PagerDuty "
            "contact point, SDKs) keep their payloads: point their URL at Tocsin and use this "
            "integration key. Trigger, acknowledge and resolve all work.",
        ),
        Snippet(
            "Alertmanager: a pagerduty_configs receiver (alternative)",
            "yaml",
            f"""receivers:
  - name: tocsin
    pagerduty_configs:
      - routing_key: "{e.key}"
        url: "{events}"
        send_resolved: true""",
            "Alertmanager sends one PagerDuty event per group of alerts. A separate "
            "Prometheus Alertmanager integration (webhook) gives one Tocsin alert per "
            "Prometheus alert; prefer it when you can.",
        ),
        Snippet(
            "Trigger and resolve with curl",
            "sh",
            f"""curl -fsS -X POST -H 'Content-Type: application/json' {events} -d '{{
  "routing_key": "{e.key}",
  "event_action": "trigger",
  "dedup_key": "db-2/disk",
  "payload": {{"summary": "Disk 95% full on db-2", "source": "db-2", "severity": "critical"}}
}}'
curl -fsS -X POST -H 'Content-Type: application/json' {events} -d '{{
  "routing_key": "{e.key}", "event_action": "resolve", "dedup_key": "db-2/disk"
}}'""",
        ),
    ]


def _signed_curl(e: Endpoint, body: str) -> str:
    return f"""secret='{e.secret}'
body='{body}'
signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
curl -fsS -X POST -H 'Content-Type: application/json' \\
  -H "{e.header}: $signature" -d "$body" "{e.url}\""""


def _generic(i: Integration, e: Endpoint) -> list[Snippet]:
    fire = (
        '{"title": "Nightly backup failed", "dedup_key": "backup", "severity": "critical", '
        '"labels": {"env": "prod"}}'
    )
    resolve = '{"status": "resolved", "dedup_key": "backup"}'
    if i.signing_secret:
        return [
            Snippet(
                "Send a signed alert with curl",
                "sh",
                _signed_curl(e, fire),
                f"This integration checks signatures: {e.header} must be the hex "
                "HMAC-SHA256 of the exact body under the signing secret.",
            ),
            Snippet("Resolve it", "sh", _signed_curl(e, resolve)),
        ]
    return [
        Snippet(
            "Fire and resolve with curl",
            "sh",
            f"""curl -fsS -X POST -H 'Content-Type: application/json' \\
  -d '{fire}' \\
  "{e.url}"
curl -fsS -X POST -H 'Content-Type: application/json' \\
  -d '{resolve}' \\
  "{e.url}\"""",
            "Only title is required. The same dedup_key (or the same title and labels) "
            'updates one alert; "status": "resolved" resolves it.',
        ),
    ]


def _cron_schedule(minutes: int) -> str:
    if minutes >= 24 * 60:
        return "0 3 * * *"  # daily, at night
    if minutes >= 60:
        hours = minutes // 60
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    return f"*/{minutes} * * * *"


def _heartbeat(i: Integration, e: Endpoint) -> list[Snippet]:
    interval = i.heartbeat_interval or timedelta(minutes=5)
    minutes = max(1, int(interval.total_seconds() // 60))
    # Alertmanager re-sends the Watchdog at repeat_interval: well within the heartbeat interval.
    repeat = format_duration(timedelta(minutes=max(1, minutes // 2)))
    return [
        Snippet("Ping", "sh", f'curl -fsS -m 10 --retry 3 -X POST "{e.url}"'),
        Snippet(
            "crontab: ping after each successful run",
            "sh",
            f"{_cron_schedule(minutes)} /usr/local/bin/backup.sh && "
            f'curl -fsS -m 10 --retry 3 -X POST "{e.url}" >/dev/null',
            "No ping within the interval plus the grace opens a “heartbeat missed” alert; the "
            "next ping resolves it.",
        ),
        Snippet(
            "Report a failure at once",
            "sh",
            f"""curl -fsS -m 10 -X POST -H 'Content-Type: application/json' \\
  -d '{{"status": "fail", "message": "pg_dump exited 1"}}' "{e.url}\"""",
        ),
        Snippet(
            "Alertmanager dead man's switch (Watchdog)",
            "yaml",
            f"""route:
  routes:
    - matchers: ['alertname = "Watchdog"']
      receiver: tocsin-heartbeat
      group_wait: 0s
      group_interval: 1m
      repeat_interval: {repeat}

receivers:
  - name: tocsin-heartbeat
    webhook_configs:
      - url: "{e.url}"
        send_resolved: false""",
            "Prometheus's always-firing Watchdog alert, re-sent more often than the interval, "
            "proves that Prometheus and Alertmanager are alive; if it stops, Tocsin opens an "
            "alert.",
        ),
    ]


_BUILDERS = {
    Kind.ALERTMANAGER: _alertmanager,
    Kind.GRAFANA: _grafana,
    Kind.DATADOG: _datadog,
    Kind.CHECKLY: _checkly,
    Kind.PAGERDUTY: _pagerduty,
    Kind.GENERIC: _generic,
    Kind.HEARTBEAT: _heartbeat,
}


def snippets_for(integration: Integration, *, masked: bool) -> list[Snippet]:
    """The configuration to paste into the sending tool, for this integration's kind."""
    builder = _BUILDERS.get(integration.kind, _generic)
    return builder(integration, endpoint(integration, masked=masked))
