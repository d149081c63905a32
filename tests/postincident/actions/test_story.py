"""The story: the post-mortem of "Checkout returns 502" leaves two action items, "Add a canary
stage to checkout deploys" (prevent, owner Dave, due in 14 days) and "Update runbook
CheckoutErrorRate: step 3 is wrong" (update runbook). They appear on Dave's "My follow-ups" page
and on the team page, and every change is on the incident's timeline."""

from datetime import timedelta

import pytest

from tests.support.web import page_text
from tocsin.incidents.models import Event
from tocsin.postincident.actions.models import ActionItem, ActionKind, ActionStatus
from tocsin.postincident.actions.services import change_status, create_action_item

from .conftest import TODAY


@pytest.fixture
def canary(postmortem, bob, dave):
    return create_action_item(
        incident=postmortem.incident,
        by=bob,
        kind=ActionKind.PREVENT,
        title="Add a canary stage to checkout deploys",
        owner=dave,
        due_on=TODAY + timedelta(days=14),
        priority="high",
        external_url="https://tracker.example.org/PAY-231",
    )


@pytest.fixture
def runbook_fix(postmortem, bob, dave, checkout_runbook):
    return create_action_item(
        incident=postmortem.incident,
        by=bob,
        kind=ActionKind.UPDATE_RUNBOOK,
        title="Update runbook CheckoutErrorRate: step 3 is wrong",
        owner=dave,
        due_on=TODAY + timedelta(days=7),
        runbook=checkout_runbook,
    )


def test_the_postmortems_two_action_items(canary, runbook_fix, postmortem, bob, checkout_runbook):
    assert canary.postmortem == postmortem and canary.incident == postmortem.incident
    assert canary.status == ActionStatus.OPEN and canary.created_by == bob
    assert canary.due_on.isoformat() == "2026-12-18"
    assert runbook_fix.runbook == checkout_runbook
    assert [item.title for item in ActionItem.objects.all()] == [
        "Update runbook CheckoutErrorRate: step 3 is wrong",  # due first
        "Add a canary stage to checkout deploys",
    ]
    assert postmortem.incident.timeline.filter(
        kind=Event.POSTMORTEM,
        message="Action item added: Add a canary stage to checkout deploys (prevent, "
        "owner Dave Ito, due Fri 18 Dec 2026)",
        actor=bob,
    ).exists()


def test_they_are_on_the_postmortem_page(canary, runbook_fix, postmortem, signed_in, bob, carol):
    text = page_text(signed_in(bob).get(f"/postmortems/{postmortem.pk}/"))
    section = text.split("Action items")[-1]
    assert "Add a canary stage to checkout deploys Prevent Open" in section
    assert "owner Dave Ito · due Fri 18 Dec 2026 · High priority" in section
    assert "runbook Checkout error rate" in section
    # Carol (Platform) may not see the draft, nor its action items.
    assert signed_in(carol).get(f"/postmortems/{postmortem.pk}/").status_code == 403


def test_daves_follow_ups_page(canary, runbook_fix, friday, signed_in, dave, bob):
    friday.shift(timedelta(days=8))  # the runbook fix is overdue, the canary not yet
    response = signed_in(dave).get("/follow-ups/")
    assert response.status_code == 200
    text = page_text(response)
    mine = text.split("My open action items")[1].split("Action items I added")[0]
    assert "1 overdue." in mine
    assert mine.index("Update runbook CheckoutErrorRate") < mine.index("Add a canary stage")
    assert "Overdue" in mine.split("Add a canary stage")[0]
    assert "Overdue" not in mine.split("Add a canary stage")[1]
    assert "None yet." in text.split("Action items I added")[1]  # Dave added none

    text = page_text(signed_in(bob).get("/follow-ups/"))
    assert "Nothing open for you." in text
    added = text.split("Action items I added")[1]
    assert "Add a canary stage" in added and "Update runbook CheckoutErrorRate" in added


def test_done_and_wont_do_items_leave_the_follow_ups(canary, runbook_fix, signed_in, dave):
    change_status(item=canary, by=dave, status="done")
    change_status(item=runbook_fix, by=dave, status="wont_do", reason="The runbook was rewritten.")
    text = page_text(signed_in(dave).get("/follow-ups/"))
    assert "Nothing open for you." in text


def test_the_team_page_lists_the_open_items(canary, runbook_fix, signed_in, dave, carol, payments):
    change_status(item=runbook_fix, by=dave, status="done")
    text = page_text(signed_in(carol).get(f"/teams/{payments.slug}/"))
    section = text.split("Open action items")[1]
    assert "Add a canary stage to checkout deploys" in section
    assert "Update runbook CheckoutErrorRate" not in section  # done


def test_another_teams_page_does_not_show_them(canary, signed_in, carol, platform):
    text = page_text(signed_in(carol).get(f"/teams/{platform.slug}/"))
    assert "No open action items." in text
    assert "Add a canary stage" not in text


def test_the_owner_works_it_through_its_page(canary, signed_in, dave, friday):
    client = signed_in(dave)
    page = page_text(client.get(f"/action-items/{canary.pk}/"))
    assert "Change status" in page and "https://tracker.example.org/PAY-231" in page
    response = client.post(f"/action-items/{canary.pk}/status/", {"status": "in_progress"})
    assert response.status_code == 302
    friday.shift(3600)
    client.post(f"/action-items/{canary.pk}/status/", {"status": "done"})
    canary.refresh_from_db()
    assert canary.status == ActionStatus.DONE and canary.done_at is not None
    messages = list(canary.incident.timeline.values_list("message", flat=True))
    assert "Action item in progress: Add a canary stage to checkout deploys" in messages
    assert "Action item done: Add a canary stage to checkout deploys" in messages


def test_wont_do_needs_a_reason_on_the_page(canary, signed_in, dave):
    response = signed_in(dave).post(f"/action-items/{canary.pk}/status/", {"status": "wont_do"})
    assert response.status_code == 422
    assert "say why it won't be done" in page_text(response)
    canary.refresh_from_db()
    assert canary.status == ActionStatus.OPEN
    response = signed_in(dave).post(
        f"/action-items/{canary.pk}/status/",
        {"status": "wont_do", "reason": "Deploys move to the new pipeline."},
    )
    assert response.status_code == 302
    canary.refresh_from_db()
    assert canary.wont_do_reason == "Deploys move to the new pipeline."
    assert "Won't do: Deploys move to the new pipeline." in page_text(
        signed_in(dave).get(f"/action-items/{canary.pk}/")
    )
