"""A paging incident always reaches someone: a team without an escalation policy pages its leads
(else every member) and tells its e-mail list; a team whose paging would reach nobody shows a
red "nobody is on call" warning on the incident, the team page and the incident list."""

from datetime import timedelta

from django.urls import reverse

from tests.support.oncall import paged_addresses, pages
from tests.support.people import person
from tests.support.web import page_text
from tocsin.accounts.models import InstanceRole, MembershipRole, Team
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import declare
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.models import EscalationRun, RunState
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy


def declared(team, severity, by, title="Checkout returns 502"):
    return declare(title=title, severity=severity, team=team, by=by, via=Channel.WEB)


def remarks(incident) -> list[str]:
    return list(
        incident.timeline.filter(kind=Event.ESCALATION)
        .order_by("id")
        .values_list("message", flat=True)
    )


def team_mail(incident) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(incident=incident, purpose=Purpose.TEAM_NOTIFICATION))


# --- No policy: the leads, then every member -------------------------------------------------


def test_a_p1_for_a_team_without_a_policy_pages_its_leads_and_tells_its_list(
    clock, payments, p1, lead, member
):
    incident = declared(payments, p1, member)

    run = EscalationRun.objects.get(incident=incident)
    assert (run.policy, run.state, run.snapshot["fallback"]) == (None, RunState.ACTIVE, "leads")
    assert remarks(incident) == [
        "Payments has no escalation policy: paging its leads (Alice Novak) instead"
    ]
    [told] = team_mail(incident)
    assert told.address == "payments@example.com"
    assert told.data["reason"] == "Payments has no escalation policy"

    run_due_escalations()

    assert paged_addresses() == ["alice@example.com"]  # the lead, not Bob the member
    [paged] = pages(incident)
    assert paged == "Paging Alice Novak via e-mail (level 1: lead of Payments)"


def test_the_leads_are_paged_again_until_someone_acknowledges(clock, payments, p1, lead, member):
    incident = declared(payments, p1, member)
    run_due_escalations()
    for _ in range(2):
        clock.shift(timedelta(minutes=5))
        run_due_escalations()
    clock.shift(timedelta(minutes=5))
    run_due_escalations()

    assert paged_addresses() == ["alice@example.com"] * 3  # three passes, five minutes apart
    assert EscalationRun.objects.get(incident=incident).state == RunState.EXHAUSTED
    assert remarks(incident)[-1] == (
        "Escalation ended: nobody acknowledged after 3 passes through 'the leads of Payments'"
    )


def test_a_team_without_leads_pages_every_member(clock, payments, p1, member, other_member):
    incident = declared(payments, p1, member)

    assert remarks(incident) == [
        "Payments has no escalation policy and no leads: paging every member instead"
    ]
    run_due_escalations()
    assert sorted(paged_addresses()) == ["bob@example.com", "erin@example.com"]


def test_a_read_only_lead_is_not_paged_as_a_lead(clock, payments, p1, member):
    person(
        "vera@example.com",
        "Vera Viewer",
        team=payments,
        membership=MembershipRole.LEAD,
        role=InstanceRole.VIEWER,
    )

    incident = declared(payments, p1, member)

    assert EscalationRun.objects.get(incident=incident).snapshot["fallback"] == "members"
    run_due_escalations()
    assert "vera@example.com" in paged_addresses()  # as a member, like everyone else
    assert "bob@example.com" in paged_addresses()


def test_a_p3_still_only_tells_the_list(clock, payments, p3, lead, member):
    incident = declared(payments, p3, member)

    assert not EscalationRun.objects.filter(incident=incident).exists()
    [told] = team_mail(incident)
    assert told.data["reason"] == "P3 Moderate does not page on-call"


def test_a_team_with_a_policy_is_not_told_by_e_mail(clock, payments, p1, lead, policy):
    incident = declared(payments, p1, lead)

    assert EscalationRun.objects.get(incident=incident).policy == policy
    assert team_mail(incident) == []
    assert remarks(incident) == []


def test_the_paging_card_says_whom_it_pages_instead(clock, signed_in, payments, p1, lead, member):
    incident = declared(payments, p1, member)

    text = page_text(signed_in(member).get(reverse("incident-detail", args=[incident.pk])))

    assert "Payments has no escalation policy: paging its leads (Alice Novak) instead." in text
    assert "Escalating with the leads of Payments" in text and "pass 1 of 3" in text
    assert "The escalation ends at 2 Mar, 10:15" in text  # three passes, five minutes each
    assert "Nobody is on call" not in text


def test_who_gets_paged_explains_the_fallback(clock, signed_in, payments, p1, lead, member):
    response = signed_in(member).get(
        reverse("who-gets-paged"), {"team": "payments", "severity": "P1"}
    )

    text = page_text(response)
    assert "Payments has no escalation policy: paging its leads (Alice Novak) instead" in text
    assert "the team's e-mail list payments@example.com is told" in text


# --- Nobody on call: a red warning wherever the team's incidents are looked at --------------


def empty_policy(payments, lead, schedule_in):
    """A policy whose only level is a schedule with nobody on it."""
    return create_policy(
        team=payments,
        name="Payments default",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=schedule_in())])],
    )


WARNING = "Nobody is on call for Payments: nobody is on call in 'Payments Europe/Berlin'"


def assert_warned(response):
    """The warning is there, in red (class "warning"), announced to screen readers."""
    assert WARNING in page_text(response)
    html = response.content.decode()
    assert '<p class="warning" role="alert">Nobody is on call for Payments:' in html


def test_a_policy_that_reaches_nobody_is_a_red_warning_on_the_incident(
    clock, signed_in, payments, p1, lead, member, schedule_in
):
    empty_policy(payments, lead, schedule_in)
    incident = declared(payments, p1, member)

    response = signed_in(member).get(reverse("incident-detail", args=[incident.pk]))

    assert_warned(response)


def test_the_warning_is_on_the_team_page(clock, signed_in, payments, lead, member, schedule_in):
    empty_policy(payments, lead, schedule_in)

    assert_warned(signed_in(member).get(reverse("team-detail", args=["payments"])))


def test_the_incident_list_warns_about_the_persons_teams_and_admins_about_every_team(
    clock, signed_in, payments, platform, lead, member, admin, schedule_in
):
    empty_policy(payments, lead, schedule_in)  # Platform has no policy and nobody at all
    outsider = person("pat@example.com", "Pat Platform")
    platform_warning = "Nobody is on call for Platform: Platform has no members"

    mine = page_text(signed_in(member).get(reverse("incident-list")))
    everyone = page_text(signed_in(admin).get(reverse("incident-list")))
    no_team = page_text(signed_in(outsider).get(reverse("incident-list")))

    assert WARNING in mine and platform_warning not in mine
    assert WARNING in everyone and platform_warning in everyone
    assert "Nobody is on call" not in no_team


def test_no_warning_while_someone_is_on_call(clock, signed_in, payments, lead, member, policy):
    text = page_text(signed_in(member).get(reverse("team-detail", args=["payments"])))
    assert "Nobody is on call" not in text


def test_a_team_without_a_policy_is_covered_by_its_members(clock, signed_in, member):
    assert Team.objects.get(slug="payments").memberships.exists()
    text = page_text(signed_in(member).get(reverse("incident-list")))
    assert "Nobody is on call" not in text
