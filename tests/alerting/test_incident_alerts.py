"""The incident page links to the alerts that opened it and joined it, each with its source."""

from django.urls import reverse

from tests.support.web import body
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Integration, Kind


def _alerts_part(html: str) -> str:
    return html.split('id="incident-alerts"')[1].split("</dd>")[0]


def test_the_incident_page_links_each_alert_with_its_integration(
    signed_in, member, prometheus, payments, firing
):
    grafana = Integration.objects.create(
        kind=Kind.GRAFANA, name="Grafana <Payments>", team=payments, service=prometheus.service
    )
    [opened] = ingest(integration=prometheus, alerts=[firing("db1")])
    [joined] = ingest(integration=grafana, alerts=[firing("db2")])
    assert joined.incident == opened.incident

    html = body(signed_in(member).get(reverse("incident-detail", args=[opened.incident.pk])))

    alerts = _alerts_part(html)
    assert f'href="{reverse("alert-detail", args=[opened.alert.pk])}"' in alerts
    assert f'href="{reverse("alert-detail", args=[joined.alert.pk])}"' in alerts
    assert "CheckoutErrors on db1" in alerts and "CheckoutErrors on db2" in alerts
    assert f'href="{reverse("integration-detail", args=[prometheus.pk])}"' in alerts
    assert "Grafana &lt;Payments&gt;" in alerts  # escaped
    assert alerts.index("db1") < alerts.index("db2")  # the one that opened it first


def test_an_incident_declared_by_hand_lists_no_alerts(signed_in, member, incident):
    html = body(signed_in(member).get(reverse("incident-detail", args=[incident.pk])))
    assert 'id="incident-alerts"' not in html
