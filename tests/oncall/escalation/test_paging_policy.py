"""Paging follows the incident: severity changes, assignment, and the acknowledgement timeout.

A severity raised to a paging one starts the escalation (if nobody owns the incident yet); one
lowered to a non-paging severity stops it. An acknowledged incident left unresolved for its
severity's `ack_timeout` is triggered again and escalates from the first level.
"""

from datetime import timedelta

from tests.support.clock import START
from tests.support.oncall import paged_addresses, pages
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel, Event, Status
from tocsin.incidents.services import (
    acknowledge,
    assign,
    change_severity,
    declare,
    resolve,
    set_status,
)
from tocsin.notify.models import ChatChannel, OutboxMessage, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.models import AcknowledgementTimer, EscalationRun, RunState
from tocsin.oncall.escalation.services import (
    LevelSpec,
    TargetSpec,
    create_policy,
    set_notification_rules,
)


def _declare(payments, severity, lead):
    return declare(title="Checkout returns 502", severity=severity, team=payments, by=lead)


def _runs(incident) -> list[str]:
    return list(EscalationRun.objects.filter(incident=incident).values_list("state", flat=True))


def _remarks(incident) -> list[str]:
    """What the escalation engine said on the timeline, in its own kind of entry."""
    return list(incident.timeline.filter(kind=Event.ESCALATION).values_list("message", flat=True))


# --- Severity changes ----------------------------------------------------------------------


def test_raising_a_p3_to_p1_starts_paging_at_once(clock, payments, p1, p3, lead, policy):
    incident = _declare(payments, p3, lead)
    run_due_escalations()
    assert paged_addresses() == []

    change_severity(incident=incident, severity=p1, by=lead, via=Channel.WEB)
    run_due_escalations()

    assert paged_addresses() == ["bob@example.com"]
    assert pages(incident) == [
        "Paging Bob Okafor via e-mail (level 1: on call in 'Payments Europe/Berlin')"
    ]


def test_raising_an_acknowledged_incident_pages_nobody(
    clock, payments, p1, p3, lead, member, policy
):
    incident = _declare(payments, p3, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)

    change_severity(incident=incident, severity=p1, by=lead, via=Channel.WEB)
    run_due_escalations()

    assert paged_addresses() == []
    assert _runs(incident) == []


def test_lowering_a_p1_to_p3_stops_paging(clock, payments, p1, p3, lead, policy):
    incident = _declare(payments, p1, lead)
    run_due_escalations()
    assert paged_addresses() == ["bob@example.com"]

    change_severity(incident=incident, severity=p3, by=lead, via=Channel.WEB)
    clock.shift(timedelta(minutes=10))
    run_due_escalations()

    assert paged_addresses() == ["bob@example.com"], "the lead is not paged at level 2"
    assert _runs(incident) == [RunState.STOPPED]
    assert "Escalation stopped: severity lowered to P3 Moderate, which does not page" in _remarks(
        incident
    )


def test_raising_p2_to_p1_keeps_the_escalation_going(clock, payments, p1, severities, lead, policy):
    incident = _declare(payments, severities["P2"], lead)
    run_due_escalations()

    change_severity(incident=incident, severity=p1, by=lead, via=Channel.WEB)
    run_due_escalations()

    assert paged_addresses() == ["bob@example.com"], "not paged a second time"
    assert _runs(incident) == [RunState.ACTIVE]


def test_assigning_a_triggered_incident_stops_the_escalation(
    clock, payments, p1, lead, member, policy
):
    incident = _declare(payments, p1, lead)
    run_due_escalations()

    assign(incident=incident, to=member, by=lead, via=Channel.WEB)
    clock.shift(timedelta(minutes=10))
    run_due_escalations()

    assert paged_addresses() == ["bob@example.com"]
    assert _runs(incident) == [RunState.STOPPED]
    assert "Escalation stopped: assigned to Bob Okafor by Alice Novak" in _remarks(incident)


# --- Acknowledgement timeout ---------------------------------------------------------------


def _with_ack_timeout(severity, minutes=30):
    severity.ack_timeout = timedelta(minutes=minutes)
    severity.save()
    return severity


def test_an_acknowledged_p1_left_unresolved_is_triggered_again_and_pages_afresh(
    clock, payments, p1, lead, member, policy
):
    _with_ack_timeout(p1)
    incident = _declare(payments, p1, lead)
    run_due_escalations()
    clock.shift(timedelta(minutes=1))
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    assert AcknowledgementTimer.objects.get(incident=incident).due_at == START + timedelta(
        minutes=31
    )

    clock.shift(timedelta(minutes=29, seconds=59))
    run_due_escalations()
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED

    clock.shift(timedelta(seconds=1))
    run_due_escalations()

    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED
    assert incident.acknowledged_by is None
    retriggered = incident.timeline.get(kind=Event.RETRIGGERED, data__to=Status.TRIGGERED)
    assert retriggered.actor_name == "Escalation"
    assert retriggered.message == (
        "Triggered again: acknowledged by Bob Okafor 30 minutes ago and not resolved "
        "(P1 re-triggers after 30 minutes)"
    )
    assert retriggered.data["previous_owner"] == member.pk
    assert paged_addresses() == ["bob@example.com", "bob@example.com"]
    assert _runs(incident) == [RunState.ACTIVE, RunState.STOPPED]

    # Bob takes it again: he owns it, and the timeout starts over.
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    incident.refresh_from_db()
    assert incident.acknowledged_by == member
    timer = AcknowledgementTimer.objects.get(incident=incident)
    assert timer.due_at == START + timedelta(minutes=61)


def test_progress_restarts_the_acknowledgement_timeout(clock, payments, p1, lead, member, policy):
    _with_ack_timeout(p1)
    incident = _declare(payments, p1, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)

    clock.shift(timedelta(minutes=20))
    set_status(incident=incident, status=Status.IDENTIFIED, by=member, via=Channel.WEB)
    clock.shift(timedelta(minutes=20))
    run_due_escalations()

    incident.refresh_from_db()
    assert incident.status == Status.IDENTIFIED
    assert AcknowledgementTimer.objects.get(incident=incident).due_at == START + timedelta(
        minutes=50
    )


def test_resolving_disarms_the_acknowledgement_timeout(clock, payments, p1, lead, member, policy):
    _with_ack_timeout(p1)
    incident = _declare(payments, p1, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back")

    clock.shift(timedelta(hours=2))
    run_due_escalations()

    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert AcknowledgementTimer.objects.get(incident=incident).due_at is None
    assert not incident.timeline.filter(kind=Event.RETRIGGERED).exists()


def test_a_severity_without_timeout_never_retriggers(clock, payments, p1, lead, member, policy):
    incident = _declare(payments, p1, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)

    clock.shift(timedelta(days=2))
    run_due_escalations()

    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert not AcknowledgementTimer.objects.filter(incident=incident).exists()


def test_lowering_to_a_severity_without_timeout_disarms_it(
    clock, payments, p1, p3, lead, member, policy
):
    _with_ack_timeout(p1)
    incident = _declare(payments, p1, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    change_severity(incident=incident, severity=p3, by=lead, via=Channel.WEB)

    clock.shift(timedelta(hours=1))
    run_due_escalations()

    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert AcknowledgementTimer.objects.get(incident=incident).due_at is None


# --- The incident page says where paging stands --------------------------------------------


def _paging_card(client, incident) -> str:
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    start = html.index('id="escalation-heading"')
    return " ".join(html[start : html.index("</section>", start)].split())


def test_the_incident_page_shows_the_next_level_and_when_it_stopped(
    clock, client, payments, p1, lead, member, policy
):
    client.force_login(lead)
    incident = _declare(payments, p1, lead)
    run_due_escalations()

    card = _paging_card(client, incident)
    assert "Escalating with <strong>Payments default</strong>" in card
    assert "Level 2 is paged at" in card and "10:05" in card

    acknowledge(incident=incident, by=member, via=Channel.WEB)
    card = _paging_card(client, incident)
    assert "Escalation stopped: acknowledged by Bob Okafor" in card


def test_the_paging_card_shows_the_passes_still_to_come_and_the_real_end(
    clock, client, payments, p1, lead, member, primary
):
    create_policy(
        team=payments,
        name="Three passes",
        by=lead,
        repeat=2,
        levels=[
            LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=primary)]),
            LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=lead)]),
        ],
    )
    client.force_login(lead)
    incident = _declare(payments, p1, lead)
    run_due_escalations()  # 10:00 pass 1, level 1
    clock.shift(timedelta(minutes=5))
    run_due_escalations()  # 10:05 pass 1, level 2: the last level of the first pass

    card = _paging_card(client, incident)
    assert "pass 1 of 3" in card
    assert "Level 1 (pass 2 of 3) is paged at" in card and "10:10" in card
    assert "The escalation ends at" in card and "10:30" in card
    assert "ends at" not in card.split("10:10")[0]  # no end promised before the next pass

    for _ in range(4):  # 10:10 and 10:15 (pass 2), 10:20 and 10:25 (pass 3)
        clock.shift(timedelta(minutes=5))
        run_due_escalations()
    card = _paging_card(client, incident)
    assert "pass 3 of 3" in card
    assert "The escalation ends at" in card and "10:30" in card


def test_the_incident_page_says_when_an_acknowledged_incident_triggers_again(
    clock, client, payments, p1, lead, member, policy
):
    _with_ack_timeout(p1)
    client.force_login(lead)
    incident = _declare(payments, p1, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)

    card = _paging_card(client, incident)
    assert "Triggers again at" in card and "10:30" in card


def test_the_incident_page_says_a_p3_pages_nobody(clock, client, payments, p3, lead, policy):
    client.force_login(lead)
    incident = _declare(payments, p3, lead)

    assert "P3 Moderate does not page on-call" in _paging_card(client, incident)


# --- A contact method that cannot be used here -------------------------------------------


def test_a_page_to_a_chat_that_is_not_set_up_moves_on_to_the_next_rule_at_once(
    clock, settings, payments, p1, lead, member, policy
):
    settings.TELEGRAM_BOT_TOKEN = ""
    telegram = ContactMethod.objects.create(
        user=member, kind=ContactKind.TELEGRAM, address="111", verified=True
    )
    email = member.contact_methods.get(kind=ContactKind.EMAIL)
    set_notification_rules(
        user=member, rules=[(telegram, timedelta(0)), (email, timedelta(minutes=2))]
    )
    incident = _declare(payments, p1, lead)

    run_due_escalations()

    failed = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failed.message == (
        "Could not page Bob Okafor via Telegram (level 1: on call in 'Payments Europe/Berlin'): "
        "Telegram is not set up on this Tocsin"
    )
    assert paged_addresses() == ["bob@example.com"], "the e-mail rule is not left for 2 minutes"


def test_the_team_chat_hears_when_an_incident_is_triggered_again(
    clock, payments, p1, lead, member, policy
):
    ChatChannel.objects.create(team=payments, kind="telegram", chat_id="-100123")
    _with_ack_timeout(p1)
    incident = _declare(payments, p1, lead)
    acknowledge(incident=incident, by=member, via=Channel.WEB)

    clock.shift(timedelta(minutes=30))
    run_due_escalations()

    notices = OutboxMessage.objects.filter(purpose=Purpose.CHAT_POST, data__live__isnull=True)
    assert [n.body_text for n in notices] == [
        f"{incident.reference}: Triggered again: acknowledged by Bob Okafor 30 minutes ago and "
        "not resolved (P1 re-triggers after 30 minutes)"
    ]
