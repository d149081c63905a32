"""The drill pages: a team's scenarios and drills, the scenario form, "Start drill now",
"Schedule", the report page with its cancel button."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.support.clock import START
from tests.support.web import page_text
from tocsin.drills.models import DrillRun, RunStatus
from tocsin.incidents.models import Status

pytestmark = pytest.mark.django_db


def test_a_lead_starts_a_drill_from_the_page_and_reads_its_report(
    scenario, policy, lead, signed_in
):
    browser = signed_in(lead)
    response = browser.post(reverse("drill-scenario-start", args=[scenario.pk]))

    run = DrillRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("drill-run", args=[run.pk])
    text = page_text(browser.get(response.url))
    assert f"Drill started: {run.incident.reference} is paging as a drill." in text
    assert "Drill #" in text and "Checkout 502s" in text and "Running" in text
    assert "Cancel drill" in text

    response = browser.post(reverse("drill-run-cancel", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    run.incident.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.incident.status == Status.CANCELLED
    text = page_text(browser.get(reverse("drill-run", args=[run.pk])))
    assert "Cancelled" in text and "Cancelled by Alice Novak" in text
    assert "Cancel drill" not in text

    listing = page_text(browser.get(reverse("drill-list", args=["payments"])))
    assert f"#{run.pk} Checkout 502s Cancelled" in listing


def test_a_lead_schedules_a_drill_from_the_page(scenario, lead, signed_in, clock):
    browser = signed_in(lead)
    at = START + timedelta(days=1)
    response = browser.post(
        reverse("drill-scenario-schedule", args=[scenario.pk]),
        {"scheduled_for": at.strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 302
    run = DrillRun.objects.get()
    assert (run.status, run.scheduled_for, run.started_by) == (RunStatus.SCHEDULED, at, lead)
    text = page_text(browser.get(reverse("drill-list", args=["payments"])))
    assert f"Drill #{run.pk} of Checkout 502s scheduled." in text


def test_a_past_time_on_the_schedule_form_is_refused(scenario, lead, signed_in, clock):
    browser = signed_in(lead)
    response = browser.post(
        reverse("drill-scenario-schedule", args=[scenario.pk]),
        {"scheduled_for": (START - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "scheduled_for is in the past: start the drill now instead" in page_text(response)
    assert not DrillRun.objects.exists()


def test_the_scenario_form_edits_a_scenario(scenario, lead, signed_in, p2):
    browser = signed_in(lead)
    url = reverse("drill-scenario-edit", args=[scenario.pk])
    form = browser.get(url).content.decode()
    assert "DiskFull" in form  # the payload, as JSON

    response = browser.post(
        url,
        {
            "title": "Checkout 503s",
            "severity": p2.pk,
            "integration": scenario.integration_id,
            "payload": json.dumps(scenario.payload),
        },
    )
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert (scenario.title, scenario.severity, scenario.service) == ("Checkout 503s", p2, None)


def test_the_description_is_markdown_and_user_text_is_escaped(scenario, lead, signed_in):
    scenario.description = "**Bold** <script>alert(1)</script>"
    scenario.save()
    page = signed_in(lead).get(reverse("drill-list", args=["payments"])).content.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)</script>" not in page


@pytest.fixture
def p2(severities):
    return severities["P2"]


def test_the_team_page_links_to_its_drills(payments, member, signed_in):
    page = signed_in(member).get(reverse("team-detail", args=["payments"])).content.decode()
    assert f'href="{reverse("drill-list", args=["payments"])}"' in page


def test_the_drill_incident_links_its_report_for_the_team(
    scenario, policy, lead, outsider, signed_in
):
    signed_in(lead).post(reverse("drill-scenario-start", args=[scenario.pk]))
    run = DrillRun.objects.get()
    incident_url = reverse("incident-detail", args=[run.incident.pk])
    page = signed_in(lead).get(incident_url).content.decode()
    assert "This incident is a drill from the scenario “Checkout 502s” (running)." in page
    assert f'<a href="{reverse("drill-run", args=[run.pk])}">The drill\'s report</a>' in page
    outsiders_page = signed_in(outsider).get(incident_url).content.decode()
    assert "This incident is a drill" in outsiders_page
    assert reverse("drill-run", args=[run.pk]) not in outsiders_page
