"""The exported post-mortem lists the incident's action items under "Action items": kind,
title, owner, priority, due date, status and external link, one table row each; the file
written into TOCSIN_POSTMORTEM_DIR and the download say the same."""

from datetime import timedelta

import pytest

from tocsin.postincident.actions.services import change_status, create_action_item
from tocsin.postincident.postmortems import document
from tocsin.postincident.postmortems.models import Postmortem, PostmortemStatus, Section
from tocsin.postincident.postmortems.services import publish, request_review, review

from .conftest import FRIDAY

HEADER = (
    "| Kind | Title | Owner | Priority | Due | Status | Link |\n|---|---|---|---|---|---|---|\n"
)
CANARY = (
    "| Prevent | Add a canary stage to checkout deploys | Bob Okafor | Medium | 2026-12-18 "
    "| Open | — |\n"
)


def _section(text: str, title: str = "Action items") -> str:
    """The body of the `## title` section of the document."""
    after = text.split(f"\n## {title}\n\n", 1)[1]
    return after.split("\n## ", 1)[0]


@pytest.fixture
def items(in_review, alice, bob):
    """Besides Bob's canary (open, due on the 18th): Alice's alert, done, with its issue; a
    dashboard nobody will build."""
    incident = in_review.incident
    alert = create_action_item(
        incident=incident,
        by=bob,
        kind="detect",
        title="Alert on gateway 5xx",
        owner=alice,
        due_on=FRIDAY.date() + timedelta(days=7),
        priority="high",
        external_url="https://tracker.example.org/PAY-7",
    )
    change_status(item=alert, by=alice, status="done")
    dashboard = create_action_item(
        incident=incident,
        by=bob,
        kind="mitigate",
        title="A | pipe *and*\nnewline",
        owner=bob,
        due_on=FRIDAY.date() + timedelta(days=21),
        priority="low",
    )
    change_status(item=dashboard, by=bob, status="wont_do", reason="Covered by the alert.")
    return in_review


@pytest.fixture
def approved(items, alice, carol):
    review(postmortem=items, by=alice, verdict="approve")
    review(postmortem=items, by=carol, verdict="approve")
    return Postmortem.objects.get(pk=items.pk)


def test_the_markdown_lists_every_action_item_in_a_table(items):
    section = _section(document.markdown(items))
    assert section == (
        "_Nothing written._\n\n"
        + HEADER
        + "| Detect | Alert on gateway 5xx | Alice Novak | High | 2026-12-11 "
        "| Done on 2026-12-04 | <https://tracker.example.org/PAY-7> |\n"
        + CANARY
        + "| Mitigate | A \\| pipe \\*and\\* newline | Bob Okafor | Low | 2026-12-25 "
        "| Won't do: Covered by the alert. | — |\n"
    )


def test_what_the_author_wrote_in_the_section_comes_first(items):
    Section.objects.filter(postmortem=items, title="Action items").update(
        body="The canary matters most."
    )
    section = _section(document.markdown(items))
    assert section.startswith("The canary matters most.\n\n" + HEADER)
    assert "_Nothing written._" not in section


def test_the_published_file_and_the_download_list_them(
    approved, bob, tmp_path, settings, signed_in
):
    settings.POSTMORTEM_DIR = str(tmp_path)
    published = publish(postmortem=approved, by=bob)
    text = (tmp_path / document.filename(published)).read_text()
    assert CANARY in _section(text)
    assert "<https://tracker.example.org/PAY-7>" in _section(text)
    assert text.count("\n## Action items\n") == 1
    download = signed_in(bob).get(f"/postmortems/{published.pk}.md")
    assert download.status_code == 200
    assert download.content.decode() == text


def test_a_template_without_the_section_gets_one_at_the_end(items):
    Section.objects.filter(postmortem=items, title="Action items").delete()
    text = document.markdown(items)
    assert text.count("\n## Action items\n") == 1
    last = text.split("\n## ")[-1]
    assert last.startswith("Action items\n\n" + HEADER)
    assert "| Mitigate |" in last


def test_without_action_items_the_section_says_so(postmortem):
    assert _section(document.markdown(postmortem)) == "_Nothing written._\n\n_No action items._\n"


def test_published_without_action_items_the_reason_is_given(postmortem, bob, alice, carol):
    request_review(postmortem=postmortem, by=bob, reviewers=[alice, carol])
    review(postmortem=postmortem, by=alice, verdict="approve")
    review(postmortem=postmortem, by=carol, verdict="approve")
    published = publish(
        postmortem=postmortem, by=bob, no_action_items_reason="The rollback is the whole fix."
    )
    assert published.status == PostmortemStatus.PUBLISHED
    assert _section(document.markdown(published)) == (
        "_Nothing written._\n\nNo action items: The rollback is the whole fix.\n"
    )
