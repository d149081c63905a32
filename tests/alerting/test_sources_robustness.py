"""Whatever a client posts, a parser answers with alerts or a PayloadError: never a KeyError,
TypeError or AttributeError that would become a 500. Random bodies and random damage to the
real samples, from a fixed seed so a failure can be replayed."""

import copy
import random
from datetime import datetime

import pytest

from tests.support.samples import sample
from tocsin.alerting.sources import Action, ParsedAlert, PayloadError
from tocsin.alerting.sources.registry import PARSERS

from .test_sources_templated import CHECKLY_FAILURE, DATADOG_DEFAULT, DATADOG_TRIGGERED

SAMPLES = {
    "alertmanager": [
        "alertmanager-v4-firing.json",
        "alertmanager-v4-mixed.json",
        "alertmanager-v4-truncated.json",
    ],
    "grafana": ["grafana-alert.json"],
    "pagerduty": [
        "pagerduty-events-v2-trigger.json",
        "pagerduty-events-v2-acknowledge.json",
        "pagerduty-events-v2-trigger-from-alertmanager.json",
    ],
    "checkly": ["checkly-webhook.json", "checkly-webhook-template.json"],
    "datadog": ["datadog-webhook.json"],
}
AM_ALERT = {
    "status": "resolved",
    "labels": {"alertname": "DiskFull", "instance": "db1:9100"},
    "annotations": {"summary": "s", "runbook_url": "https://r"},
    "startsAt": "2026-11-22T09:04:44.689260482Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "https://g",
    "fingerprint": "f",
}
INLINE = {
    "alertmanager": [{"status": "firing", "alerts": [AM_ALERT, {**AM_ALERT, "status": "firing"}]}],
    "grafana": [{"version": "1", "alerts": [{**AM_ALERT, "silenceURL": "https://s"}]}],
    "pagerduty": [
        {
            "event_action": "trigger",
            "dedup_key": "k",
            "payload": {"summary": "s", "source": "h", "severity": "info", "custom_details": {}},
            "links": [{"href": "https://l"}],
            "images": [{"src": "https://i"}],
        }
    ],
    "datadog": [DATADOG_TRIGGERED, DATADOG_DEFAULT],
    "checkly": [CHECKLY_FAILURE],
    "generic": [
        {"title": "t", "labels": {"a": "b"}, "links": [{"href": "h", "text": "x"}]},
        {"alerts": [{"title": "a", "dedup_key": "k", "status": "resolved"}]},
    ],
    "heartbeat": [{"status": "fail", "message": "m"}, {}],
}
WORDS = [
    "",
    " ",
    "firing",
    "resolved",
    "trigger",
    "acknowledge",
    "resolve",
    "critical",
    "ok",
    "fail",
    "Recovered",
    "success",
    "ALERT_RECOVERY",
    "ALERT_SSL",
    "$ALERT_ID",
    "{{CHECK_ID}}",
    "0001-01-01T00:00:00+02:00",
    "9999-12-31T23:59:59-05:00",
    "2026-11-22T09:04:44.689260482Z",
    "1763802273000",
    "99999999999999999999999",
    "%%%",
    "a:b,c=d,,e",
    "&quot;&#x27;&amp;",
    "\ud800",
    "é" * 300,
]
KEYS = sorted(
    {
        "alerts",
        "status",
        "labels",
        "annotations",
        "fingerprint",
        "startsAt",
        "endsAt",
        "generatorURL",
        "silenceURL",
        "event_action",
        "dedup_key",
        "routing_key",
        "payload",
        "summary",
        "source",
        "severity",
        "timestamp",
        "custom_details",
        "links",
        "images",
        "href",
        "src",
        "client_url",
        "title",
        "body",
        "alert_transition",
        "alert_type",
        "event_type",
        "aggreg_key",
        "alert_id",
        "id",
        "tags",
        "date",
        "org",
        "message",
        "link",
        "check_id",
        "started_at",
        "response_time",
    }
)


def random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 7, 2**70, 0.5, float("1e308")])
    if kind in (3, 4, 5):
        return rng.choice(WORDS)
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def damaged(rng: random.Random, body):
    """A copy of `body` with one value somewhere replaced, removed or wrapped."""
    body = copy.deepcopy(body)
    node, trail = body, []
    while isinstance(node, dict | list) and node and rng.random() < 0.7:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        trail.append((node, key))
        node = node[key]
    if not trail:
        return random_value(rng)
    parent, key = trail[-1]
    choice = rng.randrange(3)
    if choice == 0 and isinstance(parent, dict):
        del parent[key]
    elif choice == 1:
        parent[key] = [parent[key]]
    else:
        parent[key] = random_value(rng)
    return body


def assert_well_formed(alerts):
    assert isinstance(alerts, list)
    for alert in alerts:
        assert isinstance(alert, ParsedAlert)
        assert isinstance(alert.fingerprint, str) and alert.fingerprint
        assert alert.action in (Action.TRIGGER, Action.ACKNOWLEDGE, Action.RESOLVE)
        for text in (alert.summary, alert.description, alert.source, alert.severity):
            assert isinstance(text, str)
        for mapping in (alert.labels, alert.annotations):
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())
        for link in alert.links:
            assert isinstance(link["href"], str) and link["href"]
            assert isinstance(link["text"], str)
        for moment in (alert.starts_at, alert.ends_at):
            assert moment is None or (isinstance(moment, datetime) and moment.tzinfo)


def seeds_for(kind: str) -> list:
    bodies = [*INLINE.get(kind, []), *(sample(name) for name in SAMPLES.get(kind, []))]
    return bodies or [{}]


@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_damaged_and_random_bodies_give_alerts_or_a_payload_error_and_nothing_else(kind):
    parse = PARSERS[kind]
    rng = random.Random(f"tocsin-{kind}")
    seeds = seeds_for(kind)
    refused = accepted = 0
    for round_number in range(1500):
        if round_number % 5 == 0:
            body = random_value(rng)
        else:
            body = rng.choice(seeds)
            for _ in range(rng.randrange(1, 4)):
                body = damaged(rng, body)
        before = copy.deepcopy(body)
        try:
            alerts = parse(body)
        except PayloadError as error:
            assert isinstance(error.message, str) and error.message
            assert error.field is None or isinstance(error.field, str)
            refused += 1
        else:
            assert_well_formed(alerts)
            accepted += 1
        assert body == before or body != body  # parsers never change the body (NaN aside)
    # The damage reached both outcomes; a heartbeat takes any body as a ping, so never refuses.
    assert accepted and (refused or kind == "heartbeat")


ALERT_PARSERS = sorted(set(PARSERS) - {"heartbeat"})


@pytest.mark.parametrize("kind", ALERT_PARSERS)
def test_every_alert_parser_refuses_a_body_that_is_not_an_object(kind):
    for body in ([], "text", 1, True, [{"title": "t"}]):
        with pytest.raises(PayloadError, match="the body must be a JSON object"):
            PARSERS[kind](body)
