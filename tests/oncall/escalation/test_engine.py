"""The escalation engine: policies paged level by level, in time, until someone acknowledges.

Time is travelled with time-machine; the engine only ever acts when `run_due_escalations` runs,
as the worker's periodic job does every second.
"""

from datetime import timedelta

from django.test import Client

from tests.support.clock import START
from tests.support.mailbox import ack_path, text_of
from tests.support.oncall import paged_addresses, pages
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel, Event, Status
from tocsin.incidents.services import acknowledge, declare, reopen, resolve
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.models import EscalationRun, PageStep, RunState, StepState
from tocsin.oncall.escalation.selectors import escalation_path
from tocsin.oncall.escalation.services import (
    LevelSpec,
    TargetSpec,
    set_notification_rules,
    update_policy,
)


def p1_incident(payments, p1, lead):
    return declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)


def test_level_one_is_paged_at_once_with_the_reason(clock, payments, p1, lead, policy):
    incident = p1_incident(payments, p1, lead)
    run = EscalationRun.objects.get(incident=incident)
    assert (run.state, run.next_at) == (RunState.ACTIVE, START)

    run_due_escalations()

    assert pages(incident) == [
        "Paging Bob Okafor via e-mail (level 1: on call in 'Payments Europe/Berlin')"
    ]
    assert paged_addresses() == ["bob@example.com"]
    message = OutboxMessage.objects.get()
    run.refresh_from_db()
    assert message.idempotency_key.startswith(f"page:{incident.pk}:{run.pk}:0:1:")
    # Running again at the same instant pages nobody twice.
    run_due_escalations()
    assert paged_addresses() == ["bob@example.com"]


def test_level_two_is_paged_five_minutes_later_without_acknowledgement(
    clock, payments, p1, lead, policy
):
    incident = p1_incident(payments, p1, lead)
    run_due_escalations()

    clock.shift(timedelta(minutes=4, seconds=59))
    run_due_escalations()
    assert paged_addresses() == ["bob@example.com"]

    clock.shift(timedelta(seconds=1))
    run_due_escalations()
    assert paged_addresses() == ["bob@example.com", "alice@example.com"]
    assert pages(incident)[-1] == "Paging Alice Novak via e-mail (level 2: named in the policy)"


def test_the_policy_repeats_then_ends_with_a_note(clock, payments, p1, lead, policy):
    update_policy(policy=policy, by=lead, repeat=1)
    incident = p1_incident(payments, p1, lead)
    for _ in range(6):
        run_due_escalations()
        clock.shift(timedelta(minutes=5))

    assert paged_addresses() == [
        "bob@example.com",
        "alice@example.com",
        "bob@example.com",
        "alice@example.com",
    ]
    assert pages(incident)[2] == (
        "Paging Bob Okafor via e-mail (level 1, pass 2: on call in 'Payments Europe/Berlin')"
    )
    run = EscalationRun.objects.get(incident=incident)
    assert run.state == RunState.EXHAUSTED and run.next_at is None
    assert incident.timeline.filter(
        message="Escalation ended: nobody acknowledged after 2 passes through 'Payments default'"
    ).exists()


def test_a_level_with_nobody_to_page_is_skipped_at_once(
    clock, payments, p1, lead, schedule_in, policy
):
    empty = schedule_in(name="Nights")
    update_policy(
        policy=policy,
        by=lead,
        levels=[
            LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=empty)]),
            LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=lead)]),
        ],
    )
    incident = p1_incident(payments, p1, lead)

    run_due_escalations()

    assert incident.timeline.filter(
        kind=Event.ESCALATION, message="Level 1 skipped: nobody is on call in 'Nights'"
    ).exists()
    assert paged_addresses() == ["alice@example.com"]


def test_acknowledging_stops_the_escalation(clock, payments, p1, lead, member, policy):
    incident = p1_incident(payments, p1, lead)
    run_due_escalations()

    clock.shift(timedelta(minutes=2))
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    clock.shift(timedelta(minutes=30))
    run_due_escalations()

    assert paged_addresses() == ["bob@example.com"]
    run = EscalationRun.objects.get(incident=incident)
    assert (run.state, run.next_at) == (RunState.STOPPED, None)
    assert incident.timeline.filter(
        message="Escalation stopped: acknowledged by Bob Okafor"
    ).exists()


def test_a_p3_pages_nobody_and_emails_the_team_list(clock, payments, p3, lead, policy):
    incident = declare(title="Search is slow", severity=p3, team=payments, by=lead)
    run_due_escalations()

    assert not EscalationRun.objects.exists()
    assert not pages(incident)
    [message] = OutboxMessage.objects.all()
    assert (message.purpose, message.address) == (
        Purpose.TEAM_NOTIFICATION,
        "payments@example.com",
    )


def test_reopening_restarts_the_escalation(clock, payments, p1, lead, member, policy):
    incident = p1_incident(payments, p1, lead)
    run_due_escalations()
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")
    assert not EscalationRun.objects.filter(state=RunState.ACTIVE).exists()

    clock.shift(timedelta(hours=1))
    reopen(incident=incident, by=lead, via=Channel.WEB, reason="502s are back")
    run_due_escalations()

    assert EscalationRun.objects.filter(incident=incident, state=RunState.ACTIVE).count() == 1
    assert paged_addresses() == ["bob@example.com", "bob@example.com"]


def test_editing_the_policy_does_not_change_an_escalation_in_flight(
    clock, payments, p1, lead, other_member, policy
):
    p1_incident(payments, p1, lead)
    run_due_escalations()
    update_policy(
        policy=policy,
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=other_member)])],
    )

    clock.shift(timedelta(minutes=5))
    run_due_escalations()

    assert paged_addresses() == ["bob@example.com", "alice@example.com"]
    assert "erin@example.com" not in paged_addresses()


def test_personal_rules_page_another_method_later(clock, payments, p1, lead, member, policy):
    backup = ContactMethod.objects.create(
        user=member, kind=ContactKind.EMAIL, address="bob.phone@example.com", verified=True
    )
    first = member.contact_methods.get(address="bob@example.com")
    set_notification_rules(
        user=member, rules=[(first, timedelta(0)), (backup, timedelta(minutes=2))]
    )
    incident = p1_incident(payments, p1, lead)

    run_due_escalations()
    assert paged_addresses() == ["bob@example.com"]
    assert PageStep.objects.get().state == StepState.PENDING

    clock.shift(timedelta(minutes=2))
    run_due_escalations()
    assert paged_addresses() == ["bob@example.com", "bob.phone@example.com"]
    assert PageStep.objects.get().state == StepState.DONE
    assert len(pages(incident)) == 2


def test_a_failed_page_moves_to_the_next_contact_method_at_once(
    clock, smtp, payments, p1, lead, member, policy
):
    ContactMethod.objects.create(
        user=member, kind=ContactKind.EMAIL, address="bob.phone@example.com", verified=True
    )
    smtp.refuse["bob@example.com"] = "550 5.1.1 no such mailbox"
    incident = p1_incident(payments, p1, lead)

    run_due_escalations()
    deliver_due(worker_id="test-worker")

    assert incident.timeline.filter(kind=Event.PAGE_FAILED).exists()
    assert paged_addresses() == ["bob@example.com", "bob.phone@example.com"]
    deliver_due(worker_id="test-worker")
    assert len(smtp.to("bob.phone@example.com")) == 1


def test_who_gets_paged_shows_levels_people_and_times(clock, payments, p1, p3, lead, policy):
    path = escalation_path(payments, p1, START)

    assert path.pages and path.policy == policy
    assert [(level.position, level.at) for level in path.levels] == [
        (1, START),
        (2, START + timedelta(minutes=5)),
    ]
    assert [c.user.email for c in path.levels[0].people] == ["bob@example.com"]
    assert [c.user.email for c in path.levels[1].people] == ["alice@example.com"]
    assert not escalation_path(payments, p3, START).pages


def test_a_p1_page_arrives_by_email_and_its_link_acknowledges_and_stops_escalation(
    smtp, settings, payments, p1, lead, member, primary, policy
):
    settings.BASE_URL = "https://tocsin.example.org"
    incident = p1_incident(payments, p1, lead)

    run_due_escalations()
    deliver_due(worker_id="test-worker")

    [received] = smtp.to("bob@example.com")
    assert "on call in 'Payments Europe/Berlin'" in text_of(received)
    path = ack_path(received)
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(path).status_code == 200
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED
    assert EscalationRun.objects.get(incident=incident).state == RunState.ACTIVE

    assert browser.post(path).status_code == 200

    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == (Status.ACKNOWLEDGED, member)
    ack = incident.timeline.get(kind=Event.ACKNOWLEDGED)
    assert (ack.actor, ack.via) == (member, Channel.EMAIL)
    assert EscalationRun.objects.get(incident=incident).state == RunState.STOPPED
    assert incident.timeline.filter(
        message="Escalation stopped: acknowledged by Bob Okafor"
    ).exists()
    assert run_due_escalations() == 0
