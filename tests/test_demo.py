"""The demo a newcomer meets with `make run`: both teams page someone, Payments escalates to a
second person, and every demo account is printed and listed in the docs."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.support.oncall import paged_addresses
from tocsin.accounts.models import Team, User
from tocsin.cli import main
from tocsin.demo import load_demo
from tocsin.incidents.models import Channel, Severity
from tocsin.incidents.services import declare
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.models import EscalationRun
from tocsin.oncall.escalation.selectors import escalation_path, nobody_on_call

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
