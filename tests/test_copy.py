"""What Tocsin says reads as a person would write it: no "cannot go from Resolved to Resolved",
no "policys", no space before a comma, and a heartbeat that never pinged is not "Healthy"."""

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from tests.support.web import body, page_text
from tocsin.alerting.models import Integration
from tocsin.errors import InvalidTransition
from tocsin.incidents.models import Channel
from tocsin.incidents.services import cancel, resolve


def test_resolving_a_resolved_incident_says_it_is_already_resolved(incident, lead):
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")
    with pytest.raises(InvalidTransition) as raised:
        resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Again")
    assert raised.value.message == f"{incident.reference} is already resolved"
    assert incident.refresh().resolution == "Rolled back"


def test_cancelling_a_cancelled_incident_says_it_is_already_cancelled(incident, lead):
    cancel(incident=incident, by=lead, via=Channel.WEB, reason="Duplicate")
    with pytest.raises(InvalidTransition, match=f"^{incident.reference} is already cancelled$"):
        cancel(incident=incident, by=lead, via=Channel.WEB, reason="Again")


def test_other_refused_changes_still_say_from_what_to_what(incident, lead):
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")
    with pytest.raises(InvalidTransition, match="cannot go from Resolved to Cancelled"):
        cancel(incident=incident, by=lead, via=Channel.WEB, reason="Duplicate")


def test_the_admin_names_every_kind_of_record_in_proper_plurals():
    plurals = {m._meta.verbose_name_plural for m in apps.get_models()}
    assert "escalation policies" in plurals
    assert not [p for p in plurals if p.endswith(("ys", "ss", "chs", "shs", "xs"))]


def test_the_paging_card_has_no_space_before_its_comma(
    clock, signed_in, payments, p1, lead, member
):
    from tocsin.incidents.services import declare

    incident = declare(title="Checkout down", severity=p1, team=payments, by=member)
    response = signed_in(member).get(reverse("incident-detail", args=[incident.pk]))
    # What a browser shows: "Escalating with the leads of Payments, pass 1 of 3."
    assert "Escalating with <strong>the leads of Payments</strong>, pass 1 of 3.</p>" in body(
        response
    )


@pytest.fixture
def new_heartbeat(payments, severities):
    return Integration.objects.create(
        kind="heartbeat", name="Backup", team=payments, heartbeat_interval=timedelta(minutes=10)
    )


def test_a_heartbeat_that_never_pinged_is_waiting_for_its_first_ping(
    signed_in, lead, new_heartbeat
):
    client = signed_in(lead)
    text = page_text(client.get(reverse("integration-detail", args=[new_heartbeat.pk])))
    assert "Waiting for the first ping" in text
    assert "Healthy" not in text
    listing = page_text(client.get(reverse("integration-list")))
    assert "Waiting for the first ping" in listing


def test_a_heartbeat_that_never_pinged_is_overdue_after_its_deadline(
    signed_in, lead, new_heartbeat
):
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        text = page_text(
            signed_in(lead).get(reverse("integration-detail", args=[new_heartbeat.pk]))
        )
    assert "Overdue: no ping since the deadline" in text
    assert "Waiting for the first ping" not in text


def test_a_heartbeat_that_pinged_on_time_is_healthy(signed_in, lead, new_heartbeat):
    new_heartbeat.last_ping_at = timezone.now()
    new_heartbeat.save()
    html = body(signed_in(lead).get(reverse("integration-detail", args=[new_heartbeat.pk])))
    assert "Healthy: pinging on time." in html


def test_every_secret_url_has_a_copy_button_and_stays_selectable_without_script(
    signed_in, lead, new_heartbeat
):
    html = body(signed_in(lead).get(reverse("integration-detail", args=[new_heartbeat.pk])))
    assert 'readonly value="' in html  # selectable text without JavaScript
    assert '<button type="button" class="button" data-copy="intake-url" hidden>Copy</button>' in (
        html
    )
