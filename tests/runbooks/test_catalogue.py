"""The alert catalogue: every alert name seen per integration, with its description, source
link, how often and when it last fired, the incidents it opened, and its runbook; alerts
without a runbook are flagged and can be listed alone."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Integration, Kind, RoutingRule
from tocsin.alerting.sources import Action, ParsedAlert
from tocsin.runbooks.catalogue import catalogue
from tocsin.runbooks.services import create_runbook

SOURCE = {"href": "http://prometheus.example.org/graph?g0.expr=errors", "text": "Source"}


def _resolve(integration, fingerprint):
    ingest(
        integration=integration,
        alerts=[ParsedAlert(fingerprint=fingerprint, action=Action.RESOLVE)],
    )


def test_each_alert_name_is_listed_with_what_the_alerts_said(
    fire, prometheus, checkout_runbook, clock
):
    first = fire(annotations={"description": "Checkout fails for 5% of requests"}, links=[SOURCE])
    fire()  # the same alert again: counted, not a new firing
    _resolve(prometheus, "fp-CheckoutErrorRate")
    clock.shift(timedelta(hours=2))
    second = fire(annotations={"description": "Checkout fails for 7% of requests"})
    [entry] = catalogue()
    assert entry.alert_name == "CheckoutErrorRate"
    assert entry.integration == "Prometheus"
    assert entry.description == "Checkout fails for 7% of requests"  # the latest
    assert (entry.fired, entry.signals) == (2, 3)
    assert entry.last_fired_at == second.alert.last_seen_at
    assert list(entry.incidents.values()) == [
        second.incident.reference,
        first.incident.reference,
    ]
    assert entry.runbook == checkout_runbook
    assert not entry.missing_runbook


def test_an_alert_without_a_runbook_is_flagged_and_can_be_listed_alone(
    fire, checkout_runbook, payments
):
    fire()
    fire("DiskFull", links=[{"href": "javascript:alert(1)", "text": "Source"}])
    RoutingRule.objects.create(
        name="Latency",
        team=payments,
        matchers=[{"field": "labels.alertname", "op": "=", "value": "Latency"}],
        runbook_url="https://wiki.example.org/latency",
    )
    fire("Latency")
    entries = {e.alert_name: e for e in catalogue()}
    assert entries["DiskFull"].missing_runbook
    assert entries["DiskFull"].source_url == ""  # only http(s) links are shown
    assert entries["Latency"].runbook_url == "https://wiki.example.org/latency"
    assert not entries["Latency"].missing_runbook
    assert [e.alert_name for e in catalogue(missing=True)] == ["DiskFull"]


def test_names_are_kept_apart_per_integration_and_tries_are_left_out(
    fire, payments, checkout, severities
):
    grafana = Integration.objects.create(kind=Kind.GRAFANA, name="Grafana", team=payments)
    fire()
    fire(integration=grafana, fingerprint="g-1")
    ingest(
        integration=grafana,
        alerts=[
            ParsedAlert(
                fingerprint="try", action=Action.TRIGGER, summary="Try", test=True,
                labels={"alertname": "TestAlert"},
            )
        ],
    )  # fmt: skip
    assert [(e.integration, e.alert_name) for e in catalogue()] == [
        ("Grafana", "CheckoutErrorRate"),
        ("Prometheus", "CheckoutErrorRate"),
    ]
    assert [e.integration for e in catalogue(integration=grafana.pk)] == ["Grafana"]


def test_the_catalogue_page_flags_missing_runbooks_and_filters(
    fire, checkout_runbook, signed_in, lead, viewer
):
    fire(links=[SOURCE])
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        fire("DiskFull")
    html = signed_in(viewer).get(reverse("alert-catalogue")).content.decode()
    assert "CheckoutErrorRate" in html and "DiskFull" in html
    assert 'href="http://prometheus.example.org/graph?g0.expr=errors"' in html
    assert f'href="{reverse("runbook-detail", args=[checkout_runbook.slug])}"' in html
    assert html.count("No runbook</span>") == 1
    assert "Add one" not in html  # a viewer is not offered to write one
    html = signed_in(lead).get(reverse("alert-catalogue"), {"missing": "1"}).content.decode()
    assert "DiskFull" in html
    assert "CheckoutErrorRate" not in html
    assert f"{reverse('runbook-create')}?alert=DiskFull" in html


def test_the_catalogue_is_for_people_signed_in(client):
    response = client.get(reverse("alert-catalogue"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_alert_routed_by_a_rule_with_a_runbook_shows_that_runbook(fire, payments, admin):
    rule = RoutingRule.objects.create(
        name="Latency",
        team=payments,
        matchers=[{"field": "labels.alertname", "op": "=", "value": "Latency"}],
    )
    runbook = create_runbook(name="Slow checkout", body="1. Scale up", rules=[rule], by=admin)
    fire("Latency")
    [entry] = catalogue()
    assert entry.runbook == runbook


def test_the_catalogue_page_is_paged_and_keeps_its_filter_and_counts(
    fire, checkout_runbook, signed_in, lead, monkeypatch
):
    monkeypatch.setattr("tocsin.runbooks.views.CATALOGUE_PAGE", 2)
    for name in ("CheckoutErrorRate", "DiskFull", "Latency", "QueueDepth", "Zombies"):
        fire(name)
    client = signed_in(lead)
    url = reverse("alert-catalogue")

    html = client.get(url).content.decode()
    assert "5 alerts</h2>" in html
    assert "Showing 1–2 of 5." in html and "Page 1 of 3" in html
    assert html.count("<code>") == 2
    assert "CheckoutErrorRate" in html and "Zombies" not in html

    html = client.get(url, {"missing": "1"}).content.decode()
    assert "4 alerts without a runbook</h2>" in html  # counted over every page
    assert "Showing 1–2 of 4." in html
    assert "CheckoutErrorRate" not in html
    assert "missing=1&amp;page=2" in html  # the next page keeps the filter

    html = client.get(url, {"missing": "1", "page": "2"}).content.decode()
    assert html.count("<code>") == 2
    assert "QueueDepth" in html and "Zombies" in html
    assert "Page 2 of 2" in html

    html = client.get(url, {"page": "nope"}).content.decode()  # any page number: no error
    assert "Showing 1–2 of 5." in html
