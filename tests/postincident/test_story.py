"""End to end, the whole "after the incident" story of docs/after-the-incident.md, in one test:
the alert CheckoutErrorRate opens a P1 of Payments whose runbook is a checklist on the incident
page; Bob ticks step 2 there and resolves it; the situation report is written, e-mailed once to
each stakeholder over real SMTP and replied in the incident's Telegram thread; the P1's draft
post-mortem is reviewed by Alice and Carol, gets two action items and is published into a
folder; the action items are on Dave's follow-ups and the team page, and overdue they e-mail
him; the metrics count the incident, and not a drill resolved the same way."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.postincident.actions.conftest import dave  # noqa: F401
from tests.postincident.postmortems.conftest import (  # noqa: F401
    FRIDAY,
    _no_folder,
    alice,
    bob,
    carol,
    friday,
)
from tests.postincident.situation.conftest import _base_url, group, telegram  # noqa: F401
from tests.runbooks.conftest import checkout_runbook, fire, prometheus  # noqa: F401
from tests.support.mailbox import text_of
from tests.support.outbox import deliver
from tests.support.people import person
from tests.support.web import BASE_URL, page_text
from tocsin.incidents.models import Channel, Event, Role
from tocsin.incidents.services import acknowledge, assign_role, declare, resolve, update_details
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.postincident.actions.models import ActionItem
from tocsin.postincident.actions.reminders import send_overdue_reminders
from tocsin.postincident.postmortems.models import Postmortem
from tocsin.postincident.situation.models import SituationReport
from tocsin.runbooks.steps import steps_of

pytestmark = pytest.mark.django_db

TODAY = FRIDAY.date()
STAKEHOLDERS = ["cfo@example.com", "dana@example.com"]


def _deliver_everything():
    """Delivery rounds until nothing is due: a reply waits for the card it answers."""
    for _ in range(5):
        deliver()
        if not OutboxMessage.objects.filter(state=OutboxState.PENDING).exists():
            return
        OutboxMessage.objects.filter(state=OutboxState.PENDING).update(
            next_attempt_at=OutboxMessage.objects.earliest("created_at").created_at
        )
    raise AssertionError(
        list(OutboxMessage.objects.exclude(state=OutboxState.SENT).values("address", "last_error"))
    )


def _section(postmortem, title):
    return postmortem.sections.get(title=title).body


def test_after_the_incident(  # noqa: PLR0915 (one story, step by step)
    friday,  # noqa: F811
    smtp,
    telegram,  # noqa: F811
    group,  # noqa: F811
    settings,
    tmp_path,
    fire,  # noqa: F811
    checkout_runbook,  # noqa: F811
    payments,
    p1,
    checkout,
    alice,  # noqa: F811
    bob,  # noqa: F811
    carol,  # noqa: F811
    dave,  # noqa: F811
    signed_in,
    api_as,
):
    settings.POSTMORTEM_DIR = str(tmp_path / "postmortems")
    as_alice, as_bob, as_carol, as_dave = (api_as(p) for p in (alice, bob, carol, dave))

    # 1. The alert opens a P1 of Payments; its runbook is a checklist on the incident page.
    outcome = fire()
    incident = outcome.incident
    assert incident is not None and incident.severity == p1 and incident.team == payments
    assert incident.reported_at == FRIDAY
    ref = incident.reference
    steps = len(steps_of(checkout_runbook.body))
    assert steps == 5
    assign_role(incident=incident, user=bob, role=Role.COMMANDER, by=bob, via=Channel.WEB)
    update_details(
        incident=incident,
        by=bob,
        via=Channel.WEB,
        title="Checkout returns 502",
        impact_who="Every customer paying by card",
        impact_how="They cannot pay",
    )
    friday.shift(timedelta(minutes=5))
    acknowledge(incident=incident, by=bob, via=Channel.WEB)
    _deliver_everything()  # the incident's card is in the Payments Telegram group
    cards = [key[1] for key, m in telegram.messages.items() if m["reply_to"] is None]
    assert len(cards) == 1, telegram.messages
    [card_id] = cards

    page = signed_in(bob).get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert 'id="runbook"' in page and "Checkout error rate" in page
    assert f"0 of {steps} done" in page
    assert page.count('name="step"') == steps
    assert "the runbook for the alert &#x27;CheckoutErrorRate&#x27;" in page

    # 2. Bob ticks step 2 through the page's form.
    friday.shift(timedelta(minutes=10))
    response = signed_in(bob).post(
        reverse("runbook-tick", args=[incident.pk]),
        {"runbook": checkout_runbook.slug, "step": "2", "note": "rolled back the deploy"},
    )
    assert response.status_code == 302
    step_line = f"Step 2 of {steps} done: rolled back the deploy"
    assert incident.timeline.filter(message=step_line, actor=bob).count() == 1
    page = page_text(signed_in(bob).get(reverse("incident-detail", args=[incident.pk])))
    assert f"1 of {steps} done" in page and "Done by Bob Okafor" in page
    again = as_alice.post(f"/incidents/{ref}/runbook/ticks", {"step": 2, "note": "me too"})
    assert again.status_code == 409 and "Bob Okafor" in again.json()["error"]["message"]
    assert incident.timeline.filter(kind=Event.RUNBOOK_STEP).count() == 1

    # 3. Stakeholders are added; Bob resolves it through the API.
    response = as_alice.post(f"/teams/{payments.slug}/stakeholders", {"email": "CFO@example.com"})
    assert response.status_code == 201, response.content
    dana = person("dana@example.com", "Dana Support")
    response = as_bob.post(f"/incidents/{ref}/stakeholders", {"user": dana.email})
    assert response.status_code == 201, response.content
    response = as_bob.post(f"/incidents/{ref}/stakeholders", {"email": "cfo@example.com"})
    assert response.status_code == 201, response.content  # on both lists: one e-mail

    friday.shift(timedelta(minutes=45))  # 11:00: one hour after it was reported
    response = as_bob.post(
        f"/incidents/{ref}/resolve", {"resolution": "Rolled back the gateway to 4.1.2."}
    )
    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    assert incident.resolved_at == FRIDAY + timedelta(hours=1)

    report = SituationReport.objects.get(incident=incident)
    facts = report.facts
    assert report.generation == 1 and not report.drill
    assert facts["reported_at"] == "2026-12-04T10:00:00Z"
    assert facts["closed_at"] == "2026-12-04T11:00:00Z"
    assert facts["acknowledged_by"] == str(bob)
    assert facts["response_seconds"] == 300
    assert facts["resolution_seconds"] == 3600
    assert [(r["role"], r["person"]) for r in facts["roles"]][0] == ("commander", str(bob))
    assert facts["resolution"] == incident.resolution == "Rolled back the gateway to 4.1.2."
    assert facts["impact_who"] == incident.impact_who == "Every customer paying by card"
    assert facts["impact_how"] == "They cannot pay"
    for heading in ("Response time", "Resolution time", "Who held which role", "The solution"):
        assert f"## {heading}" in report.markdown
    assert incident.timeline.filter(message="Situation report generated").count() == 1

    _deliver_everything()
    subject = f"Situation report: {ref} Checkout returns 502"
    for address in STAKEHOLDERS:
        mails = [m for m in smtp.to(address) if "situation report" in m["Subject"].lower()]
        assert [m["Subject"] for m in mails] == [subject], address
        assert "Rolled back the gateway to 4.1.2." in text_of(mails[0])
    url = f"{BASE_URL}/incidents/{incident.pk}/#situation-report"
    replies = [m for m in telegram.messages.values() if m["reply_to"] == card_id]
    assert [r["plain"] for r in replies if "Situation report" in r["plain"]] == [
        f"Situation report for {ref}: {url}"
    ]
    sent = incident.timeline.filter(kind=Event.SITUATION_REPORT, message__contains="sent to")
    assert [e.message for e in sent] == ["Situation report sent to 2 stakeholders and 1 chat"]
    assert not [m for m in smtp.to("payments@example.com") if "Situation" in m["Subject"]]
    page = signed_in(carol).get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert 'id="situation-report"' in page
    assert f"/incidents/{incident.pk}/situation-report.md" in page
    _deliver_everything()  # a second round sends nothing again
    for address in STAKEHOLDERS:
        assert len(smtp.to(address)) == 1, address

    # 4. The P1's post-mortem draft, written by the commander, due in 5 business days.
    postmortem = Postmortem.objects.get(incident=incident)
    assert postmortem.status == "draft"
    assert postmortem.author == bob
    assert postmortem.due_on.isoformat() == "2026-12-11"
    assert postmortem.approvals_required == 2
    summary = _section(postmortem, "Summary")
    assert ref in summary and "Checkout" in summary
    assert "- Reported at: 2026-12-04 10:00 UTC" in summary
    assert "- Acknowledged at: 2026-12-04 10:05 UTC, by Bob Okafor (response time 5 min)" in (
        summary
    )
    assert "- Closed at: 2026-12-04 11:00 UTC, resolved by Bob Okafor (resolution time 1 h)" in (
        summary
    )
    assert "- Commander: Bob Okafor (from 2026-12-04 10:00 UTC)" in summary
    impact = _section(postmortem, "Impact")
    assert "Every customer paying by card" in impact and "They cannot pay" in impact
    assert "2026-12-04 10:00 UTC to 2026-12-04 11:00 UTC (1 h)" in impact
    timeline = _section(postmortem, "Timeline")
    assert f"- 2026-12-04 10:15 UTC · Runbook step · {step_line} (Bob Okafor)" in timeline
    assert "- 2026-12-04 10:05 UTC · Acknowledged · " in timeline
    assert "- 2026-12-04 11:00 UTC · Resolved · Resolved by Bob Okafor: " in timeline
    for left_out in ("Situation report", "Escalation", "Alert opened", "updated title"):
        assert left_out not in timeline
    assert "Rolled back the gateway to 4.1.2." in _section(postmortem, "Mitigation and resolution")

    # 5. Bob writes, Alice and Carol review, action items are added, it is published.
    pm_url = f"/incidents/{ref}/postmortem"
    response = as_bob.patch(pm_url, {"sections": {"Lessons": "Canary every checkout deploy."}})
    assert response.status_code == 200, response.content
    response = as_bob.post(f"{pm_url}/review-requests", {"reviewers": [alice.email, carol.email]})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review"
    response = as_carol.post(f"{pm_url}/comments", {"section": "Lessons", "body": "Agreed."})
    assert response.status_code == 201, response.content
    response = as_bob.post(f"{pm_url}/reviews", {"verdict": "approve"})
    assert response.status_code == 403, response.content
    assert "the author's own review does not count" in response.json()["error"]["message"]
    assert as_bob.get(pm_url).json()["approvals"] == []
    response = as_alice.post(f"{pm_url}/reviews", {"verdict": "approve"})
    assert response.status_code == 201, response.content
    assert as_bob.get(pm_url).json()["status"] == "in_review"  # 1 of 2
    response = as_carol.post(f"{pm_url}/reviews", {"verdict": "approve"})
    assert response.status_code == 201, response.content
    assert as_bob.get(pm_url).json()["status"] == "approved"
    _deliver_everything()
    for reviewer in (alice, carol):  # each was e-mailed a link once
        [asked] = [m for m in smtp.to(reviewer.email) if "Please review" in m["Subject"]]
        assert f"{BASE_URL}/postmortems/{postmortem.pk}/" in text_of(asked)
    lessons = [s for s in as_bob.get(pm_url).json()["sections"] if s["title"] == "Lessons"]
    assert [c["body"] for c in lessons[0]["comments"]] == ["Agreed."]

    canary_due = TODAY + timedelta(days=14)
    response = as_bob.post(
        "/action-items",
        {
            "incident": ref,
            "kind": "prevent",
            "title": "Add a canary stage to checkout deploys",
            "owner": dave.email,
            "due_on": canary_due.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    canary = ActionItem.objects.get(pk=response.json()["id"])
    assert canary.postmortem == postmortem and canary.owner == dave
    response = as_bob.post(
        "/action-items",
        {
            "incident": ref,
            "kind": "update_runbook",
            "title": "Update runbook Checkout error rate: say which deploy to roll back",
            "owner": dave.email,
            "due_on": (TODAY + timedelta(days=21)).isoformat(),
            "runbook": checkout_runbook.slug,
        },
    )
    assert response.status_code == 201, response.content
    runbook_fix = ActionItem.objects.get(pk=response.json()["id"])
    assert runbook_fix.runbook == checkout_runbook

    response = as_bob.post(f"{pm_url}/publish")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    path = tmp_path / "postmortems" / f"inc-{incident.pk}-checkout-returns-502.md"
    assert response.json()["exported_path"] == str(path)
    text = path.read_text()
    head = text.split("---\n")[1]
    assert f'incident: "{ref}"' in head and 'severity: "P1"' in head
    assert 'status: "published"' in head and 'team: "Payments"' in head
    assert 'title: "Checkout returns 502"' in head
    assert "published_at: 2026-12-04T11:00:00Z" in head
    assert '"Bob Okafor <bob@example.com>"' in head.split("authors:")[1].split("reviewers:")[0]
    assert "reported_at: 2026-12-04T10:00:00Z" in head
    assert "resolved_at: 2026-12-04T11:00:00Z" in head
    assert "due_on: 2026-12-11" in head
    assert '"Alice Novak <alice@example.com>"' in head.split("approved_by:")[1]
    assert "## Lessons\n\nCanary every checkout deploy." in text
    download = as_carol.get(f"{pm_url}.md")
    assert download.status_code == 200
    assert download.content.decode() == text
    page_download = signed_in(carol).get(reverse("postmortem-markdown", args=[postmortem.pk]))
    assert page_download.status_code == 200 and page_download.content.decode() == text

    # 6. The action items on Dave's follow-ups and on the team page; overdue, Dave is e-mailed.
    mine = page_text(signed_in(dave).get("/follow-ups/")).split("My open action items")[1]
    assert "Add a canary stage to checkout deploys" in mine
    assert "Update runbook Checkout error rate" in mine
    team_page = page_text(signed_in(carol).get(f"/teams/{payments.slug}/"))
    section = team_page.split("Open action items")[1]
    assert "Add a canary stage to checkout deploys" in section
    assert "Update runbook Checkout error rate" in section

    assert send_overdue_reminders() == 0  # not yet due
    friday.move_to(FRIDAY + timedelta(days=15))  # Saturday 19 December: the canary is overdue
    assert send_overdue_reminders() == 1
    _deliver_everything()
    reminders = [m for m in smtp.to(dave.email) if "overdue" in m["Subject"].lower()]
    assert [m["Subject"] for m in reminders] == [
        f"[{ref}] Action item overdue: Add a canary stage to checkout deploys"
    ]
    assert f"{BASE_URL}/follow-ups/" in text_of(reminders[0])
    assert send_overdue_reminders() == 0  # once a day
    mine = page_text(signed_in(dave).get("/follow-ups/")).split("My open action items")[1]
    assert "1 overdue." in mine
    assert mine.index("Add a canary stage") < mine.index("Update runbook Checkout error rate")

    # 7. The metrics count it; a drill resolved the same way is not counted by default.
    friday.move_to(FRIDAY + timedelta(days=1))
    drill = declare(
        title="Drill: checkout returns 502",
        severity=p1,
        team=payments,
        by=alice,
        via=Channel.WEB,
        services=[checkout],
        drill=True,
    )
    friday.shift(timedelta(minutes=1))
    acknowledge(incident=drill, by=bob, via=Channel.WEB)
    friday.shift(timedelta(minutes=30))
    resolve(incident=drill, by=bob, via=Channel.WEB, resolution="Rolled back.")
    assert SituationReport.objects.get(incident=drill).drill

    metrics = {"start": "2026-12-01", "end": "2026-12-31"}
    response = as_dave.get("/metrics", **metrics)
    assert response.status_code == 200, response.content
    assert response.json()["drills"] == "exclude"
    [row] = response.json()["rows"]
    assert row["period"] == "2026-12" and row["drill"] is False and row["incidents"] == 1
    assert row["time_to_acknowledge"] == {"count": 1, "median_seconds": 300.0, "p90_seconds": 300.0}
    assert row["time_to_resolve"] == {"count": 1, "median_seconds": 3600.0, "p90_seconds": 3600.0}
    rows = as_dave.get("/metrics", drills="apart", **metrics).json()["rows"]
    [drill_row] = [r for r in rows if r["drill"]]
    assert drill_row["incidents"] == 1
    assert drill_row["time_to_resolve"]["median_seconds"] == 1860.0

    # Nobody else was e-mailed: the team's list, the two stakeholders, the reviewers and Dave.
    assert sorted({m["To"] for m in smtp.messages}) == [
        "alice@example.com",
        "carol@example.com",
        "cfo@example.com",
        "dana@example.com",
        "dave@example.com",
        "payments@example.com",
    ]
