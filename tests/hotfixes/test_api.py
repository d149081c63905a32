"""The hot fix API: an incident's hot fixes, recording one, changing it, its merge-back
targets and their merge-backs (branches with slashes written as they are), the unmerged list."""

from tests.support.people import person
from tocsin.incidents.models import Event

from .conftest import CHANGE, hot_fix_events


def test_record_a_hot_fix_and_read_it_back(resolved, member, other_member, api_as):
    api = api_as(member)
    response = api.post(
        f"/incidents/{resolved.reference}/hotfixes",
        {
            "change_url": CHANGE,
            "branch": "main",
            "targets": ["release/2.3", "release/2.2"],
            "owner": other_member.email,
            "note": "Raised the gateway timeout to 30 s.",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["incident"] == resolved.reference
    assert body["change_url"] == CHANGE and body["branch"] == "main"
    assert body["owner"] == other_member.email and body["created_by"] == member.email
    assert body["note"] == "Raised the gateway timeout to 30 s."
    assert body["unmerged"] is True
    assert [(t["branch"], t["done"], t["done_by"]) for t in body["targets"]] == [
        ("release/2.3", False, None),
        ("release/2.2", False, None),
    ]
    [event] = resolved.timeline.filter(kind=Event.HOT_FIX)
    assert event.via == "api" and event.actor == member
    assert event.data == {
        "hot_fix": body["id"],
        "action": "recorded",
        "targets": ["release/2.3", "release/2.2"],
    }

    listed = api.get(f"/incidents/{resolved.reference}/hotfixes").json()
    assert [h["id"] for h in listed] == [body["id"]]
    assert api.get(f"/hotfixes/{body['id']}").json() == body


def test_owner_defaults_to_who_records_it_and_targets_to_none(resolved, member, api_as):
    body = (
        api_as(member)
        .post(f"/incidents/{resolved.reference}/hotfixes", {"change_url": CHANGE, "branch": "main"})
        .json()
    )
    assert body["owner"] == member.email
    assert body["targets"] == [] and body["unmerged"] is False
    assert hot_fix_events(resolved) == [
        f"Hot fix recorded: {CHANGE} on main, nothing to merge back"
    ]


def test_merge_backs_are_ticked_and_unticked_by_branch(hot_fix, member, api_as):
    api = api_as(member)
    response = api.post(
        f"/hotfixes/{hot_fix.pk}/merged/release/2.3",
        {"link": "https://git.example.org/pr/44"},
    )
    assert response.status_code == 200, response.content
    [release_23, release_22] = response.json()["targets"]
    assert release_23["done"] is True and release_23["done_by"] == member.email
    assert release_23["link"] == "https://git.example.org/pr/44"
    assert release_22["done"] is False
    assert response.json()["unmerged"] is True
    assert hot_fix_events(hot_fix.incident)[-1] == (
        "Hot fix merged back into release/2.3: https://git.example.org/pr/44"
    )

    # Again: nothing changes, nothing more on the timeline.
    events = len(hot_fix_events(hot_fix.incident))
    assert api.post(f"/hotfixes/{hot_fix.pk}/merged/release/2.3").status_code == 200
    assert len(hot_fix_events(hot_fix.incident)) == events

    response = api.delete(f"/hotfixes/{hot_fix.pk}/merged/release/2.3")
    assert response.status_code == 200
    assert response.json()["targets"][0]["done"] is False
    assert response.json()["targets"][0]["done_at"] is None
    assert hot_fix_events(hot_fix.incident)[-1] == (
        "Hot fix not merged back into release/2.3 after all"
    )


def test_targets_are_added_and_removed(hot_fix, member, api_as):
    api = api_as(member)
    response = api.post(f"/hotfixes/{hot_fix.pk}/targets", {"branch": "release/2.1"})
    assert response.status_code == 201
    assert [t["branch"] for t in response.json()["targets"]] == [
        "release/2.3",
        "release/2.2",
        "release/2.1",
    ]
    assert hot_fix_events(hot_fix.incident)[-1] == (
        f"Hot fix {CHANGE}: to merge back into release/2.1 too"
    )
    response = api.delete(f"/hotfixes/{hot_fix.pk}/targets/release/2.2")
    assert response.status_code == 200
    assert [t["branch"] for t in response.json()["targets"]] == ["release/2.3", "release/2.1"]
    assert hot_fix_events(hot_fix.incident)[-1] == (
        f"Hot fix {CHANGE}: no merge-back into release/2.2 needed"
    )


def test_patch_changes_only_what_it_names(hot_fix, member, other_member, api_as):
    response = api_as(member).patch(
        f"/hotfixes/{hot_fix.pk}",
        {"change_url": "https://git.example.org/pr/42", "owner": other_member.email},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["change_url"] == "https://git.example.org/pr/42"
    assert body["owner"] == other_member.email
    assert body["branch"] == "main" and len(body["targets"]) == 2
    assert hot_fix_events(hot_fix.incident)[-1] == (
        "Hot fix edited: https://git.example.org/pr/42 on main (change url, owner)"
    )
    response = api_as(member).patch(f"/hotfixes/{hot_fix.pk}", {"branch": None})
    assert response.status_code == 422


def test_the_list_of_unmerged_hot_fixes(hot_fix, resolved, member, lead, api_as, platform):
    from tocsin.hotfixes.services import mark_merged_back, record_hot_fix

    done = record_hot_fix(
        incident=resolved,
        by=lead,
        change_url="https://git.example.org/pr/43",
        branch="main",
        targets=["release/2.3"],
    )
    mark_merged_back(hot_fix=done, by=lead, branch="release/2.3")
    api = api_as(member)
    assert [h["id"] for h in api.get("/hotfixes", unmerged="true").json()] == [hot_fix.pk]
    assert [h["id"] for h in api.get("/hotfixes", unmerged="false").json()] == [done.pk]
    assert [h["id"] for h in api.get("/hotfixes").json()] == [hot_fix.pk, done.pk]
    assert [h["id"] for h in api.get("/hotfixes", owner="me").json()] == [hot_fix.pk]
    assert [h["id"] for h in api.get("/hotfixes", team="payments").json()] == [
        hot_fix.pk,
        done.pk,
    ]
    assert api.get("/hotfixes", team="platform").json() == []
    assert api.get("/hotfixes", team="nope").status_code == 422


def test_a_viewer_reads_but_nobody_unsigned(hot_fix, viewer, api_as):
    from tests.support.api import ApiClient

    assert api_as(viewer).get("/hotfixes", unmerged="true").status_code == 200
    assert ApiClient().get("/hotfixes").status_code == 401


def test_the_endpoints_are_in_the_openapi_document(db, api_as):
    reader = person("reader@example.com", "Rea Der")
    paths = api_as(reader).get("/openapi.json").json()["paths"]
    for path in [
        "/api/v1/incidents/{ref}/hotfixes",
        "/api/v1/hotfixes",
        "/api/v1/hotfixes/{hot_fix_id}",
        "/api/v1/hotfixes/{hot_fix_id}/targets",
        "/api/v1/hotfixes/{hot_fix_id}/targets/{branch}",
        "/api/v1/hotfixes/{hot_fix_id}/merged/{branch}",
    ]:
        assert path in paths, sorted(paths)
