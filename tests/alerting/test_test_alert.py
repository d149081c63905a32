"""An integration's "Send a test alert" button: the real pipeline, a drill incident, and the
same deduplication a real alert gets; only who manages the integration may press it."""

from django.test import Client
from django.urls import reverse

from tests.support.web import body, page_text
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Alert, RoutingRule
from tocsin.incidents.models import Incident, Source


def _press(client, integration, **options):
    return client.post(reverse("integration-test-alert", args=[integration.pk]), **options)


def test_the_button_is_offered_to_who_manages_the_integration_only(
    signed_in, lead, member, prometheus
):
    url = reverse("integration-test-alert", args=[prometheus.pk])
    assert f'action="{url}"' in body(signed_in(lead).get(prometheus_page(prometheus)))
    assert f'action="{url}"' not in body(signed_in(member).get(prometheus_page(prometheus)))


def prometheus_page(integration):
    return reverse("integration-detail", args=[integration.pk])


def test_a_test_alert_opens_a_drill_incident_through_the_real_pipeline(signed_in, lead, prometheus):
    response = _press(signed_in(lead), prometheus, follow=True)

    alert = Alert.objects.get()
    incident = Incident.objects.get()
    assert response.redirect_chain == [(reverse("alert-detail", args=[alert.pk]), 302)]
    assert alert.test and alert.integration == prometheus and alert.incident == incident
    assert incident.drill
    assert incident.source == Source.ALERT
    assert incident.team.name == "Payments"
    assert [s.name for s in incident.services.all()] == ["Checkout"]
    assert "Sent by Alice Novak" in alert.description
    text = page_text(response)
    assert f"Test alert sent: Opened {incident.reference}" in text
    assert "an incident it opens is a drill" in text  # the decisions, on the alert's page
    assert f'href="{reverse("incident-detail", args=[incident.pk])}"' in body(response)


def test_a_second_press_is_deduplicated_like_a_repeat_of_a_real_alert(signed_in, lead, prometheus):
    client = signed_in(lead)
    _press(client, prometheus)
    response = _press(client, prometheus, follow=True)

    alert = Alert.objects.get()
    incident = Incident.objects.get()
    assert alert.count == 2 and alert.incident == incident
    assert f"Test alert sent: Still part of {incident.reference}" in page_text(response)


def test_a_test_alert_never_joins_a_real_incident(signed_in, lead, prometheus, firing):
    RoutingRule.objects.create(name="One incident per service", grouping_key="{service}")
    [real] = ingest(integration=prometheus, alerts=[firing("db1")])

    _press(signed_in(lead), prometheus)

    test_alert = Alert.objects.get(test=True)
    assert test_alert.incident != real.incident
    assert test_alert.incident.drill and not real.incident.drill
    assert test_alert.summary == "Test alert from Prometheus"
    assert real.alert.grouping_key == "alert:checkout"
    assert test_alert.grouping_key == "alert:test/checkout"


def test_a_member_who_may_not_manage_it_is_refused_and_nothing_is_sent(
    signed_in, member, prometheus
):
    response = _press(signed_in(member), prometheus, follow=True)

    assert response.redirect_chain == [(prometheus_page(prometheus), 302)]
    assert "only an admin or a lead of Payments may send a test alert" in page_text(response)
    assert not Alert.objects.exists() and not Incident.objects.exists()


def test_a_viewer_is_refused(signed_in, viewer, prometheus):
    response = _press(signed_in(viewer), prometheus, follow=True)
    assert response.status_code == 200
    assert not Alert.objects.exists()


def test_a_disabled_integration_sends_no_test_alert(signed_in, lead, prometheus):
    prometheus.enabled = False
    prometheus.save()

    response = _press(signed_in(lead), prometheus, follow=True)

    assert "Prometheus is disabled: enable it to send a test alert" in page_text(response)
    assert not Alert.objects.exists()


def test_the_button_needs_the_forms_csrf_token(lead, prometheus):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    assert _press(client, prometheus).status_code == 403
    assert not Alert.objects.exists()


def test_an_unknown_integration_is_a_404(signed_in, lead):
    assert signed_in(lead).post(reverse("integration-test-alert", args=[999])).status_code == 404
