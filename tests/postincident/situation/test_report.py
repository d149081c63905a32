"""The situation report is written when an incident is resolved, from its own data: what was
reported, when it was reported and closed, how fast someone responded and it was resolved, who
held which role, the solution, who was impacted and how."""

from datetime import timedelta

import pytest

from tests.support.clock import START
from tocsin.incidents.models import Channel, Event, Role
from tocsin.incidents.services import (
    acknowledge,
    assign_role,
    cancel,
    declare,
    reopen,
    resolve,
)
from tocsin.notify.models import OutboxMessage
from tocsin.postincident.situation.models import SituationReport

pytestmark = pytest.mark.django_db


def _work_the_outage(clock, outage, lead, member, other_member):
    """Reported 10:00 by Alice; Bob acknowledges at 10:04:30 and responds from 10:06; Erin takes
    command from Alice at 10:20; Bob resolves it at 10:47."""
    clock.shift(timedelta(minutes=4, seconds=30))
    acknowledge(incident=outage, by=member, via=Channel.WEB)
    clock.shift(timedelta(minutes=1, seconds=30))
    assign_role(incident=outage, user=member, role=Role.RESPONDER, by=lead, via=Channel.WEB)
    clock.shift(timedelta(minutes=14))
    assign_role(incident=outage, user=other_member, role=Role.COMMANDER, by=lead, via=Channel.WEB)
    clock.shift(timedelta(minutes=27))
    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Rolled back release 2026.03.2")
    return outage.refresh()


def test_resolving_writes_the_report_answering_the_eight_questions(
    clock, outage, lead, member, other_member
):
    assert not SituationReport.objects.exists(), "nothing before the resolution"

    incident = _work_the_outage(clock, outage, lead, member, other_member)

    report = incident.situation_report
    assert (report.generation, report.drill, report.generated_by) == (1, False, member)
    assert report.generated_at == START + timedelta(minutes=47)
    facts = report.facts
    assert facts["incident"] == {
        "reference": incident.reference,
        "title": "Checkout returns 502",
        "description": "",
        "severity": "P3 Moderate",
        "team": "Payments",
        "services": ["Checkout"],
        "drill": False,
    }
    assert facts["reported_at"] == "2026-03-02T10:00:00Z"
    assert facts["closed_at"] == "2026-03-02T10:47:00Z"
    assert facts["response_seconds"] == 4 * 60 + 30
    assert facts["resolution_seconds"] == 47 * 60
    assert [(r["role"], r["person"], r["from"], r["to"]) for r in facts["roles"]] == [
        ("commander", "Alice Novak", "2026-03-02T10:00:00Z", "2026-03-02T10:20:00Z"),
        ("responder", "Bob Okafor", "2026-03-02T10:06:00Z", None),
        ("commander", "Erin Walsh", "2026-03-02T10:20:00Z", None),
    ]
    assert facts["resolution"] == "Rolled back release 2026.03.2"
    assert facts["resolved_by"] == "Bob Okafor"
    assert (facts["impact_who"], facts["impact_how"]) == (
        "Shoppers in the EU",
        "Card payments failed at checkout",
    )

    text = report.markdown
    assert text.startswith(f"# Situation report: {incident.reference} Checkout returns 502\n")
    for section in [
        "## What was reported\n\nP3 Moderate for Payments (services: Checkout).",
        "## Reported at\n\nMon 02 Mar 2026, 10:00 UTC, by Alice Novak",
        "## Closed at\n\nMon 02 Mar 2026, 10:47 UTC, resolved by Bob Okafor",
        "## Response time\n\n4 min (acknowledged by Bob Okafor)",
        "## Resolution time\n\n47 min",
        "- Commander: Alice Novak (from Mon 02 Mar 2026, 10:00 UTC to Mon 02 Mar 2026, 10:20 UTC)",
        "- Responder: Bob Okafor (from Mon 02 Mar 2026, 10:06 UTC)",
        "- Commander: Erin Walsh (from Mon 02 Mar 2026, 10:20 UTC)",
        "## The solution\n\nRolled back release 2026.03.2",
        "## Who was impacted\n\nShoppers in the EU",
        "## How they were impacted\n\nCard payments failed at checkout",
    ]:
        assert section in text
    assert "drill" not in text.lower()


def test_the_timeline_says_the_report_was_generated(clock, outage, lead, member, other_member):
    incident = _work_the_outage(clock, outage, lead, member, other_member)

    [generated] = incident.timeline.filter(kind=Event.SITUATION_REPORT)
    assert generated.message == "Situation report generated"
    assert (generated.actor, generated.via) == (member, Channel.WEB)
    assert generated.data["generation"] == 1
    resolved = incident.timeline.get(kind=Event.RESOLVED)
    assert resolved.id < generated.id, "written after the resolution, in the same transaction"


def test_a_never_acknowledged_incident_says_so(clock, outage, lead):
    clock.shift(timedelta(minutes=12))
    resolve(incident=outage, by=lead, via=Channel.WEB, resolution="It recovered by itself")

    report = outage.refresh().situation_report
    assert report.facts["response_seconds"] is None
    assert report.facts["resolution_seconds"] == 12 * 60
    assert "## Response time\n\nNever acknowledged." in report.markdown


def test_missing_impact_reads_not_recorded(payments, lead, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Index rebuilt")

    text = incident.refresh().situation_report.markdown
    assert "## Who was impacted\n\nNot recorded." in text
    assert "## How they were impacted\n\nNot recorded." in text


def test_a_cancelled_incident_gets_no_report(outage, lead, stakeholders, group):
    before = OutboxMessage.objects.count()

    cancel(incident=outage, by=lead, via=Channel.WEB, reason="Test alert")

    assert not SituationReport.objects.exists()
    assert not outage.timeline.filter(kind=Event.SITUATION_REPORT).exists()
    assert not OutboxMessage.objects.filter(data__has_key="situation_report").exists()
    assert not OutboxMessage.objects.filter(body_text__contains="Situation report").exists()
    assert OutboxMessage.objects.count() > before, "the cancellation itself is still told"


def test_a_drill_gets_a_report_marked_as_a_drill(payments, lead, p3, stakeholders, group):
    drill = declare(title="Game day: database failover", severity=p3, team=payments, by=lead,
                    drill=True)  # fmt: skip
    resolve(incident=drill, by=lead, via=Channel.WEB, resolution="Failover took 40 s")

    report = drill.refresh().situation_report
    assert report.drill is True
    assert report.facts["incident"]["drill"] is True
    assert "**This was a drill: a practice incident.**" in report.markdown
    [mail] = OutboxMessage.objects.filter(data__situation_report=report.pk, channel="email",
                                          address="dana@example.com")  # fmt: skip
    assert mail.subject.startswith("[DRILL] Situation report: ")
    [line] = OutboxMessage.objects.filter(incident=drill, body_text__startswith="Situation report")
    assert line.body_text.startswith(f"Situation report for {drill.reference} (drill): ")


def test_resolving_again_after_a_reopen_rewrites_the_report(clock, outage, lead, member):
    resolve(incident=outage, by=lead, via=Channel.WEB, resolution="Restarted the pods")
    clock.shift(timedelta(minutes=30))
    reopen(incident=outage, by=member, via=Channel.WEB, reason="502s are back")
    clock.shift(timedelta(minutes=15))

    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Fixed the pool size")

    [report] = SituationReport.objects.all()
    assert report.generation == 2
    assert report.facts["resolution"] == "Fixed the pool size"
    assert report.facts["closed_at"] == "2026-03-02T10:45:00Z"
    assert "(updated, version 2)" in report.markdown.splitlines()[0]
    messages = outage.timeline.filter(kind=Event.SITUATION_REPORT).values_list("message", flat=True)
    assert list(messages) == [
        "Situation report generated",
        "Situation report regenerated (version 2)",
    ]
