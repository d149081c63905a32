"""The pages offer only what the person may do: the same answers the services enforce."""

from datetime import timedelta

import pytest

from tests.support.people import person
from tests.support.web import page_text
from tocsin.accounts.models import InstanceRole
from tocsin.postincident.actions.models import ActionItem, ActionStatus
from tocsin.postincident.actions.services import create_action_item

from .conftest import TODAY


@pytest.fixture
def canary(postmortem, bob, dave):
    return create_action_item(
        incident=postmortem.incident,
        by=bob,
        kind="prevent",
        title="Add a canary stage to checkout deploys",
        owner=dave,
        due_on=TODAY + timedelta(days=14),
    )


@pytest.fixture
def team_viewer(payments):
    return person("vic@example.com", "Vic Viewer", team=payments, role=InstanceRole.VIEWER)


def test_a_viewer_in_the_team_reads_but_is_offered_no_form(
    canary, postmortem, signed_in, team_viewer
):
    client = signed_in(team_viewer)
    text = page_text(client.get(f"/postmortems/{postmortem.pk}/"))
    assert "Add a canary stage to checkout deploys" in text
    assert "Add an action item" not in text
    response = client.post(
        f"/postmortems/{postmortem.pk}/action-items/",
        {
            "kind": "prevent",
            "title": "Sneaky",
            "owner": canary.owner_id,
            "due_on": "2026-12-18",
            "priority": "low",
        },
    )
    assert response.status_code == 403
    assert ActionItem.objects.count() == 1


def test_only_the_owner_is_offered_the_status_form(canary, signed_in, bob, dave):
    text = page_text(signed_in(bob).get(f"/action-items/{canary.pk}/"))
    assert "Change status" not in text and "Save" in text  # Bob edits, Dave owns
    response = signed_in(bob).post(f"/action-items/{canary.pk}/status/", {"status": "done"})
    assert response.status_code == 403
    canary.refresh_from_db()
    assert canary.status == ActionStatus.OPEN and canary.done_at is None
    assert "Change status" in page_text(signed_in(dave).get(f"/action-items/{canary.pk}/"))


def test_an_outsider_reads_the_item_but_may_not_edit(canary, signed_in, carol):
    client = signed_in(carol)
    text = page_text(client.get(f"/action-items/{canary.pk}/"))
    assert "Add a canary stage to checkout deploys" in text
    assert "Change status" not in text and "Edit" not in text
    response = client.post(
        f"/action-items/{canary.pk}/",
        {
            "kind": "prevent",
            "title": "Renamed",
            "owner": canary.owner_id,
            "due_on": "2026-12-18",
            "priority": "low",
        },
    )
    assert response.status_code == 403
    canary.refresh_from_db()
    assert canary.title == "Add a canary stage to checkout deploys"
