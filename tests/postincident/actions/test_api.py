"""The action items API: list with filters (owner=me, team, status, overdue), add, read,
change; bad input is a 4xx naming the field and changes nothing."""

from datetime import timedelta

import pytest

from tests.support.web import page_text
from tocsin.postincident.actions.models import ActionItem, ActionStatus

from .conftest import TODAY


@pytest.fixture
def body(postmortem, dave):
    return {
        "incident": postmortem.incident.reference,
        "kind": "prevent",
        "title": "Add a canary stage to checkout deploys",
        "owner": dave.email,
        "due_on": (TODAY + timedelta(days=14)).isoformat(),
        "priority": "high",
        "external_url": "https://tracker.example.org/PAY-231",
    }


def test_the_story_through_the_api(body, api_as, bob, dave, friday, payments, postmortem):
    response = api_as(bob).post("/action-items", body)
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["owner"] == dave.email and item["postmortem"] is True
    assert item["status"] == "open" and item["overdue"] is False
    as_dave = api_as(dave)
    assert [i["id"] for i in as_dave.get("/action-items", owner="me").json()] == [item["id"]]
    assert as_dave.get("/action-items", team=payments.slug).json()[0]["title"] == body["title"]
    assert as_dave.get("/action-items", overdue="true").json() == []
    friday.shift(timedelta(days=15))
    assert [i["id"] for i in as_dave.get("/action-items", overdue="true").json()] == [item["id"]]

    response = as_dave.patch(
        f"/action-items/{item['id']}", {"status": "wont_do", "reason": "Moving pipelines."}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "wont_do"
    assert response.json()["wont_do_reason"] == "Moving pipelines."
    assert as_dave.get("/action-items", status="wont_do").json()[0]["id"] == item["id"]
    assert as_dave.get(f"/action-items/{item['id']}").json()["overdue"] is False


def test_viewers_read_but_do_not_add(body, api_as, bob, viewer):
    assert api_as(bob).post("/action-items", body).status_code == 201
    assert len(api_as(viewer).get("/action-items").json()) == 1
    response = api_as(viewer).post("/action-items", body | {"title": "Another"})
    assert response.status_code == 403
    assert ActionItem.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"kind": "blame"}, 422, "kind"),
        ({"external_url": "ftp://x/1"}, 422, "external_url"),
        ({"owner": "nobody@example.com"}, 422, "owner"),
        ({"incident": "INC-999"}, 422, "incident"),
        ({"due_on": "2026-12-01"}, 422, "due_on"),
        ({"runbook": "no-such-runbook"}, 422, "runbook"),
        ({"colour": "red"}, 422, None),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(body, api_as, bob, change, status, field):
    response = api_as(bob).post("/action-items", body | change)
    assert response.status_code == status, response.content
    if field:
        assert response.json()["error"]["field"] == field
    assert not ActionItem.objects.exists()


def test_a_patch_is_all_or_nothing(body, api_as, bob, dave):
    item = api_as(bob).post("/action-items", body).json()
    # Bob may edit but is not the owner: the status change is refused, the title kept.
    response = api_as(bob).patch(
        f"/action-items/{item['id']}", {"title": "Renamed", "status": "done"}
    )
    assert response.status_code == 403
    stored = ActionItem.objects.get()
    assert stored.title == body["title"] and stored.status == ActionStatus.OPEN
    response = api_as(dave).patch(f"/action-items/{item['id']}", {"status": "wont_do"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "reason"
    response = api_as(dave).patch(f"/action-items/{item['id']}", {"status": "later"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "status"
    assert ActionItem.objects.get().status == ActionStatus.OPEN


def test_unknown_filters_and_items(api_as, bob):
    response = api_as(bob).get("/action-items", status="someday")
    assert response.status_code == 422 and response.json()["error"]["field"] == "status"
    response = api_as(bob).get("/action-items", team="nope")
    assert response.status_code == 422 and response.json()["error"]["field"] == "team"
    assert api_as(bob).get("/action-items/999").status_code == 404


def test_an_incident_without_postmortem_takes_action_items(incident, api_as, lead, signed_in):
    response = api_as(lead).post(
        "/action-items",
        {
            "incident": incident.reference,
            "kind": "detect",
            "title": "Alert on gateway 5xx",
            "owner": lead.pk,
            "due_on": "2099-01-01",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["postmortem"] is False
    assert response.json()["priority"] == "medium"
    page = page_text(signed_in(lead).get(f"/action-items/{response.json()['id']}/"))
    assert "Alert on gateway 5xx" in page and "The post-mortem" not in page
