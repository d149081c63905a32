"""The incident page: its header, its actions (one service each) and its timeline."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.support.web import body
from tocsin.incidents import services
from tocsin.incidents.models import Channel, Event, Role, Status

T0 = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)


def page(client, incident):
    return client.get(reverse("incident-detail", args=[incident.pk]))


def act(client, name, incident, data=None):
    """POST one action and follow the redirect back to the incident page."""
    return client.post(reverse(name, args=[incident.pk]), data or {}, follow=True)


def test_the_header_shows_what_responders_need_first(signed_in, member, incident):
    html = body(page(signed_in(member), incident))

    assert f"{incident.reference}</span> <bdi>Checkout returns 502</bdi></h1>" in html
    assert 'P1<span class="severity-name"> Critical</span>' in html
    assert '<span class="pill pill-triggered">Triggered</span>' in html
    assert "<dt>Owner</dt>" in html and "Nobody yet" in html
    assert "<dt>Commander</dt>\n      <dd>Alice Novak</dd>" in html
    assert "Payments" in html and "Checkout" in html
    assert "<dt>Reported</dt>" in html
    assert "<dt>Response time</dt>" in html


def test_a_missing_incident_is_a_404(signed_in, member):
    assert signed_in(member).get(reverse("incident-detail", args=[999])).status_code == 404


def test_a_team_member_acknowledges_and_owns_the_incident(signed_in, member, incident):
    response = act(signed_in(member), "incident-acknowledge", incident)

    incident.refresh()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.acknowledged_by == member
    event = incident.timeline.get(kind=Event.ACKNOWLEDGED)
    assert (event.actor, event.via) == (member, Channel.WEB)
    html = body(response)
    assert response.redirect_chain == [(reverse("incident-detail", args=[incident.pk]), 302)]
    assert "You acknowledged INC-" in html
    assert '<span class="pill pill-acknowledged">Working</span>' in html
    assert "<dt>Owner</dt>\n      <dd>Bob Okafor</dd>" in html


def test_an_outsider_cannot_acknowledge_and_is_told_why(signed_in, outsider, incident):
    response = act(signed_in(outsider), "incident-acknowledge", incident)

    html = body(response)
    assert response.status_code == 200
    assert 'class="message message-error" role="alert"' in html
    assert "Carol Jensen is not a member of Payments" in html
    incident.refresh()
    assert incident.status == Status.TRIGGERED
    assert incident.acknowledged_by is None
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()


def test_actions_are_posts_with_csrf_protection(member, incident):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get(reverse("incident-acknowledge", args=[incident.pk])).status_code == 405
    assert client.post(reverse("incident-acknowledge", args=[incident.pk])).status_code == 403
    assert incident.refresh().acknowledged_by is None
    assert 'name="csrfmiddlewaretoken"' in body(page(client, incident))


def test_resolving_shows_who_resolved_it_when_and_how_long_it_took(
    signed_in, lead, member, payments, p1
):
    client = signed_in(member)
    member.time_zone = "Europe/Berlin"
    member.save()
    with time_machine.travel(T0, tick=False) as traveller:
        incident = services.declare(
            title="Checkout returns 502", severity=p1, team=payments, by=lead, via=Channel.WEB
        )
        traveller.shift(timedelta(minutes=4))
        act(client, "incident-acknowledge", incident)
        traveller.shift(timedelta(hours=1, minutes=8))
        response = act(
            client, "incident-resolve", incident, {"resolution": "Rolled back release 812"}
        )

    html = body(response)
    incident.refresh()
    assert incident.status == Status.RESOLVED
    assert incident.resolved_by == member
    assert incident.resolution == "Rolled back release 812"
    assert '<span class="pill pill-resolved">Resolved</span>' in html
    assert "<dt>Resolved by</dt>\n      <dd>Bob Okafor</dd>" in html
    # 13:12 UTC is 15:12 in Berlin, the member's own time zone
    assert "<dt>Resolved at</dt>" in html and "3 Jun, 15:12" in html
    assert "<dt>Response time</dt>\n      <dd>4 min</dd>" in html
    assert "<dt>Resolution time</dt>\n      <dd>1 h 12 min</dd>" in html
    assert "Rolled back release 812" in html
    assert "times in Europe/Berlin" in html
    # A resolved incident offers to reopen, not to resolve again.
    assert reverse("incident-reopen", args=[incident.pk]) in html
    assert reverse("incident-resolve", args=[incident.pk]) not in html
    assert "data-live-url" not in html


def test_resolving_can_name_another_team_member_as_resolver(
    signed_in, lead, member, other_member, incident
):
    services.acknowledge(incident=incident, by=member, via=Channel.WEB)
    response = act(
        signed_in(lead),
        "incident-resolve",
        incident,
        {"resolution": "Erin fixed the DNS record", "resolved_by": other_member.pk},
    )
    assert incident.refresh().resolved_by == other_member
    assert "<dt>Resolved by</dt>\n      <dd>Erin Walsh</dd>" in body(response)


def test_resolving_without_a_resolution_is_refused(signed_in, member, incident):
    response = act(signed_in(member), "incident-resolve", incident, {"resolution": " "})
    assert "resolution must not be empty" in body(response)
    assert incident.refresh().status == Status.TRIGGERED


def test_the_status_moves_to_identified_then_monitoring(signed_in, member, incident):
    client = signed_in(member)
    act(client, "incident-acknowledge", incident)
    html = body(act(client, "incident-status", incident, {"status": "identified"}))
    assert incident.refresh().status == Status.IDENTIFIED
    assert '<span class="pill pill-identified">Identified</span>' in html
    # No button for the status it already has.
    assert '<input type="hidden" name="status" value="identified">' not in html
    act(client, "incident-status", incident, {"status": "monitoring"})
    assert incident.refresh().status == Status.MONITORING


def test_a_triggered_incident_must_be_acknowledged_before_identified(signed_in, member, incident):
    html = body(page(signed_in(member), incident))
    assert '<input type="hidden" name="status" value="identified">' not in html
    response = act(signed_in(member), "incident-status", incident, {"status": "identified"})
    assert "acknowledge it first" in body(response)
    assert incident.refresh().status == Status.TRIGGERED


def test_the_lead_assigns_the_incident_to_a_member(signed_in, lead, member, incident):
    response = act(signed_in(lead), "incident-assign", incident, {"to": member.pk})
    assert incident.refresh().acknowledged_by == member
    assert "assigned the incident to Bob Okafor" in body(response)


def test_only_team_members_are_offered_as_owners(signed_in, lead, member, outsider, incident):
    html = body(page(signed_in(lead), incident))
    assign_form = html.split('id="assign_to"')[1].split("</select>")[0]
    assert "Bob Okafor" in assign_form
    assert "Carol Jensen" not in assign_form


def test_cancelling_needs_a_reason_and_reopening_brings_it_back(signed_in, lead, incident):
    client = signed_in(lead)
    refused = act(client, "incident-cancel", incident, {"reason": ""})
    assert "reason must not be empty" in body(refused)
    assert incident.refresh().status == Status.TRIGGERED

    cancelled = act(client, "incident-cancel", incident, {"reason": "Duplicate of INC-1"})
    assert incident.refresh().status == Status.CANCELLED
    assert "Why it was cancelled" in body(cancelled)

    reopened = act(client, "incident-reopen", incident, {"reason": "Not a duplicate after all"})
    assert incident.refresh().status == Status.TRIGGERED
    assert "Reopened by Alice Novak: Not a duplicate after all" in body(reopened)


def test_severity_can_be_raised_or_lowered(signed_in, member, incident, p3):
    response = act(signed_in(member), "incident-severity", incident, {"severity": p3.pk})
    assert incident.refresh().severity == p3
    assert "Severity lowered from P1 Critical to P3 Moderate" in body(response)


def test_roles_are_assigned_and_removed(signed_in, lead, member, other_member, incident):
    client = signed_in(lead)
    act(client, "incident-role", incident, {"user": member.pk, "role": Role.RESPONDER})
    response = act(
        client, "incident-role", incident, {"user": other_member.pk, "role": Role.COMMANDER}
    )
    html = body(response)
    assert incident.commander() == other_member
    assert "<dt>Commander</dt>\n      <dd>Erin Walsh</dd>" in html
    assert "<dt>Responder</dt>" in html and "Bob Okafor" in html
    assert "Command handed over from Alice Novak to Erin Walsh" in html

    act(client, "incident-role-remove", incident, {"user": member.pk, "role": Role.RESPONDER})
    assert not incident.role_assignments.filter(
        user=member, role=Role.RESPONDER, ended_at__isnull=True
    ).exists()


def test_an_outsider_cannot_hand_over_command(signed_in, outsider, member, incident):
    response = act(
        signed_in(outsider), "incident-role", incident, {"user": member.pk, "role": "commander"}
    )
    assert "only the commander or a lead of Payments" in body(response)
    assert incident.commander().email == "alice@example.com"


def test_a_bad_choice_in_an_action_form_is_explained(signed_in, lead, incident):
    response = act(signed_in(lead), "incident-assign", incident, {"to": 424242})
    assert "Assign to: Select a valid choice" in body(response)
    assert incident.refresh().acknowledged_by is None


def test_a_note_appears_in_the_timeline_set_apart(signed_in, member, incident):
    response = act(
        signed_in(member), "incident-note", incident, {"text": "Error rate dropping since 14:20"}
    )

    assert response.redirect_chain[-1][0].endswith("#timeline")
    html = body(response)
    timeline = html.split('data-live-part="timeline"')[1]
    note = timeline.split('class="event event-note"')[1].split("</li>")[0]
    assert "Error rate dropping since 14:20" in note
    assert "Bob Okafor" in note
    assert "via Web" in note
    assert incident.timeline.filter(kind=Event.NOTE, actor=member).count() == 1


def test_an_empty_note_is_refused(signed_in, member, incident):
    response = act(signed_in(member), "incident-note", incident, {"text": ""})
    assert "text must not be empty" in body(response)
    assert not incident.timeline.filter(kind=Event.NOTE).exists()


def test_the_timeline_lists_every_event_newest_first_with_actor_and_channel(
    signed_in, member, incident
):
    services.acknowledge(incident=incident, by=member, via=Channel.TELEGRAM)
    html = body(page(signed_in(member), incident))
    timeline = html.split('data-live-part="timeline"')[1]

    kinds = [chunk.split("</span>")[0] for chunk in timeline.split('class="event-kind">')[1:]]
    # The engine's remarks (paging the leads, then stopping) sit between people's events.
    assert kinds == ["Escalation", "Acknowledged", "Role assigned", "Escalation", "Declared"]
    assert "via Telegram" in timeline
    assert "via Web" in timeline
    assert "Alice Novak" in timeline


def test_only_actions_that_fit_the_status_are_offered(signed_in, member, incident):
    client = signed_in(member)
    triggered = body(page(client, incident))
    assert ">Acknowledge</button>" in triggered
    assert reverse("incident-resolve", args=[incident.pk]) in triggered
    assert reverse("incident-reopen", args=[incident.pk]) not in triggered

    services.acknowledge(incident=incident, by=member, via=Channel.WEB)
    working = body(page(client, incident))
    assert ">Acknowledge</button>" not in working
    assert "Mark identified" in working and "Mark monitoring" in working


def test_a_viewer_follows_the_incident_without_action_forms(signed_in, viewer, incident):
    html = body(page(signed_in(viewer), incident))
    assert "read-only access" in html
    assert reverse("incident-acknowledge", args=[incident.pk]) not in html
    assert reverse("incident-note", args=[incident.pk]) not in html
    assert "Checkout returns 502" in html


@pytest.mark.parametrize("closed", ["resolve", "cancel"])
def test_only_open_incidents_refresh_live(signed_in, lead, incident, closed):
    client = signed_in(lead)
    live_url = reverse("incident-live", args=[incident.pk])
    assert f'data-live-url="{live_url}"' in body(page(client, incident))
    if closed == "resolve":
        services.resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Fixed")
    else:
        services.cancel(incident=incident, by=lead, via=Channel.WEB, reason="False alarm")
    assert "data-live-url" not in body(page(client, incident))


def test_the_page_loads_the_script_deferred_from_our_own_static_files(signed_in, member, incident):
    html = body(signed_in(member).get(reverse("incident-detail", args=[incident.pk])))
    assert '<script src="/static/tocsin/app.js" defer></script>' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host


# --- Only the actions the person may take ---------------------------------------------------

ACTION_NAMES = (
    "incident-acknowledge",
    "incident-assign",
    "incident-status",
    "incident-resolve",
    "incident-cancel",
    "incident-severity",
    "incident-role",
    "incident-role-remove",
    "incident-note",
)


def offered(html, incident) -> set[str]:
    """The actions whose form the page holds."""
    return {
        name for name in ACTION_NAMES if f'action="{reverse(name, args=[incident.pk])}"' in html
    }


def test_a_viewer_sees_no_declare_button_and_no_action_form(signed_in, viewer, lead, incident):
    services.assign_role(incident=incident, user=lead, role=Role.RESPONDER, by=lead, via="web")
    html = body(page(signed_in(viewer), incident))

    assert offered(html, incident) == set()
    assert reverse("incident-declare") not in html
    assert "You have read-only access: you can follow this incident but not change it." in html
    assert '<h2 id="actions-heading">' not in html


def test_an_outsider_reads_the_incident_and_is_told_who_may_act(signed_in, outsider, incident):
    html = body(page(signed_in(outsider), incident))

    assert offered(html, incident) == set()
    assert f"Only members of Payments and admins can work on {incident.reference}." in html
    assert "Checkout returns 502" in html and 'id="timeline-heading"' in html  # it reads all
    assert reverse("incident-declare") in html  # they may still declare their own


def test_an_acknowledged_incident_tells_an_outsider_who_owns_it_and_who_may_act(
    signed_in, outsider, member, incident
):
    services.acknowledge(incident=incident, by=member, via=Channel.WEB)
    html = body(page(signed_in(outsider), incident))

    assert offered(html, incident) == set()
    assert (
        f"{incident.reference} is acknowledged: Bob Okafor owns it. Only members of Payments "
        f"and admins can work on {incident.reference}."
    ) in html


def test_a_member_is_offered_what_members_may_do_and_not_what_the_commander_does(
    signed_in, member, incident
):
    html = body(page(signed_in(member), incident))

    assert offered(html, incident) == {
        "incident-acknowledge",
        "incident-resolve",
        "incident-severity",
        "incident-role",  # joining as a responder, only for themself
        "incident-note",
    }
    assert ">Join as responder</button>" in html
    assert 'id="role_user"' not in html  # no choosing someone else for a role
    assert ">Cancel incident</button>" not in html
    assert "Only members of" not in html


def test_an_acknowledged_incident_offers_its_member_the_next_steps_not_acknowledging(
    signed_in, member, incident
):
    services.acknowledge(incident=incident, by=member, via=Channel.WEB)
    html = body(page(signed_in(member), incident))

    assert "incident-acknowledge" not in offered(html, incident)
    assert "Mark identified" in html and "Mark monitoring" in html


def test_the_lead_is_offered_assigning_cancelling_and_roles(signed_in, lead, member, incident):
    services.assign_role(incident=incident, user=member, role=Role.RESPONDER, by=lead, via="web")
    html = body(page(signed_in(lead), incident))

    assert offered(html, incident) == set(ACTION_NAMES) - {"incident-status"}
    assert ">Join as responder</button>" not in html


def test_an_admin_outside_the_team_works_it_but_is_told_only_members_acknowledge(
    signed_in, admin, incident
):
    html = body(page(signed_in(admin), incident))

    assert "incident-acknowledge" not in offered(html, incident)
    assert {"incident-resolve", "incident-cancel", "incident-assign"} <= offered(html, incident)
    assert f"Only members of Payments can acknowledge {incident.reference}" in html


def test_a_responder_may_step_down_but_not_remove_others(
    signed_in, lead, member, other_member, incident
):
    for person in (member, other_member):
        services.assign_role(incident=incident, user=person, role=Role.RESPONDER, by=lead, via="w")
    html = body(page(signed_in(member), incident))

    assert 'aria-label="Remove Bob Okafor as responder"' in html
    assert 'aria-label="Remove Erin Walsh as responder"' not in html
    assert ">Join as responder</button>" not in html  # already one
