"""The draft carries the situation report's facts: reported, acknowledged and closed at (with
whom and how long it took), who held which role, the resolution, who was impacted and how; its
timeline is an excerpt of the meaningful events. An incident not resolved is described from its
own data as it stands."""

from django.db import transaction

from tocsin.incidents.models import Channel, Event, Role
from tocsin.incidents.services import (
    acknowledge,
    add_note,
    assign_role,
    declare,
    record,
    resolve,
    update_details,
)
from tocsin.postincident.postmortems.models import Postmortem
from tocsin.postincident.postmortems.services import start_postmortem
from tocsin.postincident.situation.models import SituationReport


def bodies(postmortem) -> dict[str, str]:
    return {section.title: section.body for section in postmortem.sections.all()}


def test_the_draft_carries_the_facts_of_the_situation_report(
    friday, p1_incident, alice, bob, other_member
):
    friday.shift(5 * 60)
    acknowledge(incident=p1_incident, by=bob, via=Channel.WEB)
    friday.shift(10 * 60)
    assign_role(incident=p1_incident, user=other_member, role=Role.SCRIBE, by=bob, via=Channel.WEB)
    friday.shift(45 * 60)
    resolve(incident=p1_incident, by=alice, via=Channel.WEB, resolution="Rolled back to 4.1.2.")

    facts = SituationReport.objects.get(incident=p1_incident).facts
    sections = bodies(Postmortem.objects.get(incident=p1_incident))
    summary = sections["Summary"]
    assert summary.startswith(
        f"{p1_incident.reference} “Checkout returns 502”, P1 Critical, Payments"
        " (services: Checkout)."
    )
    assert "- Reported at: 2026-12-04 10:00 UTC, by Alice Novak" in summary
    assert facts["response_seconds"] == 300
    assert "- Acknowledged at: 2026-12-04 10:05 UTC, by Bob Okafor (response time 5 min)" in summary
    assert (facts["resolution_seconds"], facts["resolved_by"]) == (3600, "Bob Okafor")
    assert (
        "- Closed at: 2026-12-04 11:00 UTC, resolved by Bob Okafor (resolution time 1 h)" in summary
    )
    assert [role["person"] for role in facts["roles"]] == ["Bob Okafor", str(other_member)]
    assert "- Commander: Bob Okafor (from 2026-12-04 10:00 UTC)" in summary
    assert f"- Scribe: {other_member} (from 2026-12-04 10:15 UTC)" in summary
    assert sections["Impact"] == (
        f"Who was impacted: {facts['impact_who']}\n\n"
        f"How they were impacted: {facts['impact_how']}\n\n"
        "Duration: 2026-12-04 10:00 UTC to 2026-12-04 11:00 UTC (1 h)"
    )
    assert sections["Mitigation and resolution"] == facts["resolution"] == "Rolled back to 4.1.2."
    assert "drill" not in summary.lower()


def test_an_unacknowledged_incident_reads_never_acknowledged(postmortem):
    facts = postmortem.incident.situation_report.facts
    assert facts["acknowledged_at"] is None
    assert "- Acknowledged at: never acknowledged" in bodies(postmortem)["Summary"]


def test_the_timeline_is_an_excerpt_of_the_meaningful_events(friday, p1_incident, alice, bob):
    friday.shift(60)
    with transaction.atomic():
        record(
            p1_incident,
            Event.PAGE_SENT,
            actor=None,
            via=Channel.SYSTEM,
            message="Paging Bob Okafor by e-mail",
            system="Escalation",
        )
    update_details(incident=p1_incident, by=bob, via=Channel.WEB, impact_how="No card payments")
    friday.shift(60)
    add_note(incident=p1_incident, by=bob, via=Channel.WEB, text="Gateway 4.2.0 went out at 9:58")
    friday.shift(3600)
    resolve(incident=p1_incident, by=alice, via=Channel.WEB, resolution="Rolled back.")

    lines = bodies(Postmortem.objects.get(incident=p1_incident))["Timeline"].splitlines()
    assert [line.split(" · ")[1] for line in lines] == [
        "Declared",
        "Role assigned",
        "Note",
        "Resolved",
    ]
    assert lines[2] == (
        "- 2026-12-04 10:02 UTC · Note · Gateway 4.2.0 went out at 9:58 (Bob Okafor)"
    )
    assert p1_incident.timeline.filter(kind=Event.PAGE_SENT).exists()
    assert p1_incident.timeline.filter(kind=Event.UPDATED).exists()
    assert not any("Paging" in line or "Details updated" in line for line in lines)
    assert not any("Situation report" in line or "Post-mortem" in line for line in lines)


def test_one_started_before_resolution_is_prefilled_from_the_incident(
    friday, payments, bob, p3, checkout
):
    incident = declare(
        title="Slow search",
        severity=p3,
        team=payments,
        by=bob,
        via=Channel.WEB,
        services=[checkout],
        impact_who="Shoppers searching",
    )
    friday.shift(120)
    acknowledge(incident=incident, by=bob, via=Channel.WEB)
    postmortem = start_postmortem(incident=incident, by=bob)

    assert not SituationReport.objects.filter(incident=incident).exists()
    sections = bodies(postmortem)
    assert "- Reported at: 2026-12-04 10:00 UTC, by Bob Okafor" in sections["Summary"]
    assert (
        "- Acknowledged at: 2026-12-04 10:02 UTC, by Bob Okafor (response time 2 min)"
        in sections["Summary"]
    )
    assert "- Closed at: not resolved yet" in sections["Summary"]
    assert sections["Impact"] == "Who was impacted: Shoppers searching"
    assert "Duration" not in sections["Impact"]
    assert sections["Mitigation and resolution"] == ""


def test_a_drill_is_marked_in_the_summary(friday, payments, alice, bob, p1):
    incident = declare(
        title="Practice outage",
        severity=p1,
        team=payments,
        by=alice,
        via=Channel.WEB,
        drill=True,
        commander=bob,
    )
    resolve(incident=incident, by=alice, via=Channel.WEB, resolution="Drill over.")
    summary = bodies(Postmortem.objects.get(incident=incident))["Summary"]
    assert "This was a drill: a practice incident." in summary
    assert SituationReport.objects.get(incident=incident).drill
