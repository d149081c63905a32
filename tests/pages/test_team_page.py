"""The team page: who is on call now, the schedules and the escalation policy that page, the
integrations that send alerts, and a red warning when a page would reach nobody."""

from datetime import timedelta

from django.urls import reverse

from tests.support.web import body, page_text
from tocsin.alerting.models import Integration, Kind
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy


def _section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_the_team_page_shows_who_is_on_call_now_on_each_schedule(
    signed_in, member, lead, primary, schedule_in, clock
):
    schedule_in("America/New_York", name="Payments weekend")  # no layers: nobody on call

    html = body(signed_in(member).get(reverse("team-detail", args=["payments"])))

    on_call = _section(html, "oncall-heading")
    assert f'href="{reverse("schedule-detail", args=[primary.pk])}"' in on_call
    assert "Payments Europe/Berlin" in on_call
    assert "Bob Okafor" in on_call.split("Payments Europe/Berlin")[1].split("</li>")[0]
    assert "Nobody" in on_call.split("Payments weekend")[1].split("</li>")[0]


def test_the_team_page_names_the_escalation_policy_in_use_with_a_link(
    clock, signed_in, member, lead, payments, policy
):
    create_policy(
        team=payments,
        name="Payments newer",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=lead)])],
    )

    html = body(signed_in(member).get(reverse("team-detail", args=["payments"])))

    escalation = _section(html, "escalation-heading")
    assert "Payments default" in escalation  # the oldest policy is the one the engine runs
    assert "Payments newer" not in escalation
    assert f'href="{reverse("policy-list")}?team=payments#policy-{policy.pk}"' in escalation
    assert f'href="{reverse("who-gets-paged")}?team=payments"' in escalation


def test_without_a_policy_the_team_page_says_who_its_pages_reach(signed_in, member, lead, clock):
    response = signed_in(member).get(reverse("team-detail", args=["payments"]))

    escalation = page_text(response).split("Escalation policy")[1]
    assert "Payments has no escalation policy: paging its leads (Alice Novak) instead" in escalation


def test_the_team_page_lists_its_integrations_without_their_secret_urls(
    signed_in, member, lead, payments, platform, checkout, severities
):
    prometheus = Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=checkout
    )
    Integration.objects.create(kind=Kind.GRAFANA, name="Platform Grafana", team=platform)

    for viewer_of_the_page in (member, lead):
        html = body(signed_in(viewer_of_the_page).get(reverse("team-detail", args=["payments"])))
        integrations = _section(html, "integrations-heading")
        assert "Prometheus" in integrations and "Alertmanager" in integrations
        assert f'href="{reverse("integration-detail", args=[prometheus.pk])}"' in integrations
        assert "Platform Grafana" not in integrations
        assert prometheus.token not in html
        assert "/api/v1/integrations/" not in html


def test_a_team_with_nobody_on_call_shows_the_red_warning(
    signed_in, member, payments, berlin, lead, clock
):
    create_policy(
        team=payments,
        name="Only the empty schedule",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=berlin)])],
    )

    response = signed_in(member).get(reverse("team-detail", args=["payments"]))

    html = body(response)
    assert '<p class="warning" role="alert">Nobody is on call for Payments' in html
    assert "Nobody" in _section(html, "oncall-heading")


def test_a_team_with_someone_on_call_shows_no_warning(signed_in, member, policy, clock):
    html = body(signed_in(member).get(reverse("team-detail", args=["payments"])))
    assert 'class="warning"' not in html
