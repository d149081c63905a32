"""What reacts to a timeline event is one ordered list; a reaction's own events wait their turn."""

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tocsin.incidents import reactions
from tocsin.incidents.models import Channel, Event, Incident, TimelineEvent
from tocsin.incidents.services import acknowledge, add_note, declare
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy
from tocsin.webhooks.services import create_webhook

pytestmark = pytest.mark.django_db

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


@pytest.fixture
def paging_incident(payments, lead, member, p1):
    """A P1 for Payments whose policy has paged Bob, and a webhook that hears every event."""
    create_policy(
        team=payments,
        name="Payments default",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=member)])],
    )
    create_webhook(
        team=payments, name="everything", url="https://hooks.example.org/tocsin", by=lead
    )
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()
    return incident


@pytest.fixture
def spy():
    """A reaction after all the others, writing down each event it sees and the webhooks
    already queued at that moment."""
    seen: list[tuple[str, list[str]]] = []

    def look(incident: Incident, event: TimelineEvent) -> None:
        seen.append((event.kind, _webhook_types()))

    reactions.register(look, order=10_000, kinds=Event.values)
    yield seen
    reactions._registry[:] = [r for r in reactions._registry if r.run is not look]


def _webhook_types() -> list[str]:
    messages = OutboxMessage.objects.filter(purpose=Purpose.WEBHOOK).order_by("id")
    return [message.data["type"] for message in messages]


def test_acknowledging_tells_the_webhooks_before_anything_the_acknowledgement_caused(
    paging_incident, member, spy
):
    before = _webhook_types()

    acknowledge(incident=paging_incident, by=member, via=Channel.WEB)

    # The engine's remark was recorded while the acknowledgement's reactions ran, but its own
    # reactions waited until every reaction to the acknowledgement was done.
    # (The engine's remarks: the escalation stopped, and the page still queued is not sent.)
    assert [kind for kind, _ in spy] == [Event.ACKNOWLEDGED, Event.ESCALATION, Event.ESCALATION]
    assert spy[0][1] == [*before, "incident.acknowledged"]
    assert _webhook_types() == [*before, "incident.acknowledged"]
    stopped, not_sent = paging_incident.timeline.filter(kind=Event.ESCALATION).order_by("id")
    assert stopped.message == "Escalation stopped: acknowledged by Bob Okafor"
    assert not_sent.message.startswith("Page to Bob Okafor via e-mail not sent: ")
    assert stopped.actor is None and stopped.actor_name == "Escalation"


def test_the_engine_speaks_in_its_own_kind_and_webhooks_hear_only_people_s_notes(
    paging_incident, member
):
    acknowledge(incident=paging_incident, by=member, via=Channel.WEB)
    add_note(incident=paging_incident, by=member, via=Channel.WEB, text="Rolled back 2.14")

    assert not paging_incident.timeline.filter(kind=Event.NOTE, actor__isnull=True).exists()
    assert paging_incident.timeline.filter(kind=Event.NOTE).count() == 1
    assert _webhook_types().count("incident.note_added") == 1


def test_reactions_run_in_their_stages_order_whatever_order_they_were_registered_in(
    monkeypatch,
):
    monkeypatch.setattr(reactions, "_registry", [])
    ran: list[str] = []

    def webhooks(incident, event):
        """Webhooks."""
        ran.append("webhooks")

    def escalation(incident, event):
        """Escalation."""
        ran.append("escalation")

    reactions.register(webhooks, order=reactions.WEBHOOKS, kinds=[Event.NOTE])
    reactions.register(escalation, order=reactions.ESCALATION, kinds=[Event.NOTE])
    reactions.react(None, TimelineEvent(kind=Event.NOTE))

    assert ran == ["escalation", "webhooks"]
    assert [r.summary for r in reactions.reactions_to(Event.NOTE)] == ["Escalation.", "Webhooks."]


def test_two_reactions_may_not_share_a_place_in_the_list(monkeypatch):
    monkeypatch.setattr(reactions, "_registry", [])
    reactions.register(lambda i, e: None, order=reactions.WEBHOOKS, kinds=[Event.NOTE])

    with pytest.raises(ImproperlyConfigured, match="both want order 400"):
        reactions.register(lambda i, e: None, order=reactions.WEBHOOKS, kinds=[Event.NOTE])


def test_a_reaction_to_a_kind_that_does_not_exist_is_refused(monkeypatch):
    monkeypatch.setattr(reactions, "_registry", [])

    with pytest.raises(ImproperlyConfigured, match="unknown kinds"):
        reactions.register(lambda i, e: None, order=1, kinds=["acknowledged", "acked"])


def test_a_failing_reaction_leaves_the_next_change_s_reactions_unaffected(
    monkeypatch, payments, lead, p3
):
    def explode(incident, event):
        """Fail."""
        raise RuntimeError("boom")

    reactions.register(explode, order=10_001, kinds=[Event.CREATED])
    try:
        with pytest.raises(RuntimeError):
            declare(title="First", severity=p3, team=payments, by=lead)
    finally:
        reactions._registry[:] = [r for r in reactions._registry if r.run is not explode]

    incident = declare(title="Second", severity=p3, team=payments, by=lead)

    assert incident.timeline.filter(kind=Event.CREATED).exists()
    assert not Incident.objects.filter(title="First").exists()


def test_the_architecture_page_lists_the_reactions_as_they_are_registered():
    assert reactions.as_markdown() in ARCHITECTURE.read_text()


def test_the_incident_page_shows_the_engine_s_words_as_a_system_event_not_a_note(
    client, paging_incident, member
):
    acknowledge(incident=paging_incident, by=member, via=Channel.WEB)
    add_note(incident=paging_incident, by=member, via=Channel.WEB, text="Rolled back 2.14")
    client.force_login(member)

    page = client.get(f"/incidents/{paging_incident.pk}/").content.decode()

    classes = _timeline_classes(page)
    assert classes["Escalation stopped: acknowledged by Bob Okafor"] == (
        "event event-escalation event-system"
    )
    assert classes["Rolled back 2.14"] == "event event-note"


def _timeline_classes(page: str) -> dict[str, str]:
    """Each timeline entry's message, with the classes of its list item."""
    timeline = page[page.index('data-live-part="timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    return {
        html.unescape(message).strip(): classes
        for classes, message in re.findall(
            r'<li class="([^"]*)">.*?<p class="event-message prose">(.*?)</p>', timeline, re.S
        )
    }


def test_the_api_names_the_engine_s_entries_by_their_kind(
    client, paging_incident, member, token_for
):
    acknowledge(incident=paging_incident, by=member, via=Channel.WEB)

    response = client.get(
        f"/api/v1/incidents/{paging_incident.reference}/timeline",
        headers={"Authorization": f"Bearer {token_for(member)}"},
    )

    assert response.status_code == 200
    entries = [(e["kind"], e["actor"], e["actor_name"]) for e in response.json()]
    assert ("escalation", None, "Escalation") in entries
    assert all(kind != "note" for kind, actor, _ in entries if actor is None)
