"""The demo a newcomer meets with `make run`: both teams page someone, Payments escalates to a
second person, every demo account is printed and listed in the docs, and last week's P1 shows
what happens after the incident (runbook, situation report, post-mortem in review, action
items). Loading it twice changes nothing."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.support.oncall import paged_addresses
from tocsin.accounts.models import Team, User
from tocsin.cli import main
from tocsin.demo import load_demo
from tocsin.incidents.models import Channel, Event, Incident, Severity, Status
from tocsin.incidents.services import declare
from tocsin.notify.outbox.models import OutboxMessage
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.models import EscalationRun
from tocsin.oncall.escalation.selectors import escalation_path, nobody_on_call
from tocsin.postincident.actions.models import ActionItem
from tocsin.postincident.postmortems.models import Postmortem, PostmortemStatus
from tocsin.postincident.postmortems.selectors import reviewers
from tocsin.postincident.situation.models import SituationReport, Stakeholder
from tocsin.runbooks.catalogue import catalogue
from tocsin.runbooks.models import Runbook, StepTick
from tocsin.runbooks.selectors import runbook_for
from tocsin.runbooks.steps import steps_of
from tocsin.tickets.models import Ticket

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo(db):
    assert load_demo()
    return {team.slug: team for team in Team.objects.all()}


@pytest.mark.parametrize("slug", ["payments", "platform"])
def test_each_demo_team_has_a_schedule_and_an_escalation_policy_that_page_someone(demo, slug):
    team = demo[slug]
    path = escalation_path(team, Severity.objects.get(key="P1"), timezone.now())

    assert team.schedules.exists()
    assert path.policy is not None and path.policy.team == team
    assert path.levels[0].people, path.levels[0].skipped
    assert nobody_on_call(team, timezone.now()) is None


def test_a_p1_for_platform_pages_someone_on_platform(demo):
    carol = User.objects.get(email="carol@example.com")
    before = len(paged_addresses())

    incident = declare(
        title="Edge proxy answers 503",
        severity=Severity.objects.get(key="P1"),
        team=demo["platform"],
        by=carol,
        via=Channel.WEB,
    )
    run_due_escalations()

    assert EscalationRun.objects.get(incident=incident).policy.name == "Platform default"
    paged = paged_addresses()[before:]
    platform = set(demo["platform"].members.values_list("email", flat=True))
    assert paged and set(paged) <= platform


@pytest.mark.parametrize("slug", ["payments", "platform"])
@pytest.mark.parametrize("weeks", [0, 1, 2, 3])
def test_level_two_pages_someone_other_than_level_one(demo, slug, weeks):
    instant = timezone.now() + timedelta(weeks=weeks)
    path = escalation_path(demo[slug], Severity.objects.get(key="P1"), instant)

    first, second = ({c.user for c in level.people} for level in path.levels[:2])
    assert first and second
    assert not first & second


def test_tocsin_demo_prints_every_demo_account(db, capsys):
    assert main(["demo"]) == 0
    printed = capsys.readouterr().out

    emails = list(User.objects.values_list("email", flat=True))
    assert "dave@example.com" in emails
    for email in emails:
        assert email in printed


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_the_docs_list_every_demo_account(db, page):
    load_demo()
    text = (ROOT / page).read_text()
    for email in User.objects.values_list("email", flat=True):
        assert f"`{email}`" in text, email


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_loading_the_demo_twice_changes_nothing(demo):
    before = _counts()
    assert not load_demo()
    assert _counts() == before


@pytest.fixture
def p1(demo):
    """Last week's P1, opened by the alert CheckoutErrorRate."""
    return Incident.objects.get(severity__key="P1", alerts__labels__alertname="CheckoutErrorRate")


def test_the_checkout_runbook_is_linked_to_the_demo_alert_and_service(p1):
    runbook = Runbook.objects.get(alerts__alert_name="CheckoutErrorRate")
    assert list(runbook.services.values_list("slug", flat=True)) == ["checkout"]
    assert 4 <= len(steps_of(runbook.body)) <= 5
    found = runbook_for(p1)
    assert (found.runbook, found.why) == (runbook, "the runbook for the alert 'CheckoutErrorRate'")
    entry = next(e for e in catalogue() if e.alert_name == "CheckoutErrorRate")
    assert entry.runbook == runbook and not entry.missing_runbook


def test_the_p1_was_worked_through_the_services_onto_its_timeline(p1):
    assert p1.status == Status.RESOLVED
    assert p1.services.get().slug == "checkout"
    kinds = list(p1.timeline.order_by("at", "id").values_list("kind", flat=True))
    assert (
        kinds.index(Event.CREATED) < kinds.index(Event.ACKNOWLEDGED) < kinds.index(Event.RESOLVED)
    )
    ticks = p1.timeline.filter(kind=Event.RUNBOOK_STEP).values_list("message", flat=True)
    assert "Step 2 of 5 done: rolled checkout back to 4.1.2" in ticks
    assert StepTick.objects.filter(incident=p1).count() == 3
    assert p1.resolved_at < timezone.now() - timedelta(days=7)


def test_the_p1_has_its_situation_report_sent_to_the_teams_stakeholders(p1):
    stakeholders = {str(s) for s in Stakeholder.objects.filter(team__slug="payments")}
    assert len(stakeholders) == 2 and "support-leads@example.com" in stakeholders
    report = SituationReport.objects.get(incident=p1)
    assert "Rolled checkout back to 4.1.2" in report.markdown
    assert p1.timeline.filter(kind=Event.SITUATION_REPORT, message="Situation report generated")
    sent = OutboxMessage.objects.filter(subject__startswith=f"Situation report: {p1.reference}")
    assert set(sent.values_list("address", flat=True)) == {
        "carol@example.com",
        "support-leads@example.com",
    }


def test_the_p1s_post_mortem_is_in_review_with_carol(p1):
    postmortem = Postmortem.objects.get(incident=p1)
    assert postmortem.status == PostmortemStatus.IN_REVIEW
    assert postmortem.author.email == "bob@example.com"
    assert [u.email for u in reviewers(postmortem)] == ["carol@example.com"]
    lessons = postmortem.sections.get(title="Lessons").body
    assert "canary" in lessons
    assert p1.timeline.filter(kind=Event.POSTMORTEM, data__action="review_requested").exists()


def test_the_p1_has_two_action_items_one_overdue(p1):
    items = list(ActionItem.objects.filter(incident=p1).order_by("due_on"))
    assert len(items) == 2
    assert [item.is_overdue() for item in items] == [True, False]
    assert all(item.postmortem == p1.postmortem for item in items)
    assert items[1].external_url.startswith("https://")


def test_sam_the_support_agent_has_a_new_ticket_and_a_closed_one(db):
    load_demo()
    sam = User.objects.get(email="sam@example.com")
    assert sam.role == "agent"
    new, closed = Ticket.objects.filter(reported_by=sam).order_by("id")
    assert new.tagline == "ADMINS-FBLOCK: Clicking on user details gives an error"
    assert new.status == "new"
    assert closed.tagline == "S-USER-FBEHAV-FE: Checkout asks to sign in again after paying"
    assert (closed.status, closed.close_reason) == ("closed", "not_a_bug")
    assert "private mode" in closed.close_note
