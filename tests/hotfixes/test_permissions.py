"""Who may record a hot fix and change it: who may work the incident (its team's members,
people with a role on it, admins) and the hot fix's owner; never a viewer or an outsider."""

import pytest
from django.urls import reverse

from tests.support.people import person
from tocsin.accounts.models import InstanceRole
from tocsin.accounts.permissions import may_change_hot_fix, may_record_hot_fix
from tocsin.errors import PermissionDenied
from tocsin.hotfixes.services import (
    add_target,
    edit_hot_fix,
    mark_merged_back,
    record_hot_fix,
    remove_target,
)

from .conftest import CHANGE, counts


def _record(incident, by, **more):
    return record_hot_fix(
        incident=incident, by=by, change_url=CHANGE, branch="main", targets=["release/2.3"], **more
    )


def test_an_outsider_may_not_record_a_hot_fix(resolved, outsider, signed_in, api_as):
    before = counts()
    assert not may_record_hot_fix(resolved, outsider)
    with pytest.raises(PermissionDenied, match="only members of Payments"):
        _record(resolved, outsider)
    response = signed_in(outsider).post(
        reverse("hot-fix-record", args=[resolved.pk]),
        {"change_url": CHANGE, "branch": "main", "targets": "release/2.3"},
    )
    assert response.status_code == 403
    response = api_as(outsider).post(
        f"/incidents/{resolved.reference}/hotfixes", {"change_url": CHANGE, "branch": "main"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert response.json()["error"]["message"] == (
        f"only members of Payments, people with a role on {resolved.reference} or an admin "
        "may record a hot fix on it"
    )
    assert counts() == before


def test_a_viewer_may_not_record_one_even_in_the_team(resolved, viewer, payments, api_as):
    from tocsin.accounts.models import Membership

    Membership.objects.create(team=payments, user=viewer)
    before = counts()
    assert not may_record_hot_fix(resolved, viewer)
    with pytest.raises(PermissionDenied, match="is a viewer"):
        _record(resolved, viewer)
    response = api_as(viewer).post(
        f"/incidents/{resolved.reference}/hotfixes", {"change_url": CHANGE, "branch": "main"}
    )
    assert response.status_code == 403
    assert counts() == before


def test_an_admin_may_record_one_on_any_incident(resolved, admin):
    assert may_record_hot_fix(resolved, admin)
    assert _record(resolved, admin).owner == admin


def test_an_outsider_and_a_viewer_may_not_tick_or_change_it(hot_fix, outsider, viewer, api_as):
    before = counts()
    for somebody in (outsider, viewer):
        assert not may_change_hot_fix(hot_fix, somebody)
        with pytest.raises(PermissionDenied):
            mark_merged_back(hot_fix=hot_fix, by=somebody, branch="release/2.3")
        with pytest.raises(PermissionDenied):
            edit_hot_fix(hot_fix=hot_fix, by=somebody, note="mine now")
        with pytest.raises(PermissionDenied):
            add_target(hot_fix=hot_fix, by=somebody, branch="release/2.1")
        with pytest.raises(PermissionDenied):
            remove_target(hot_fix=hot_fix, by=somebody, branch="release/2.2")
        response = api_as(somebody).post(f"/hotfixes/{hot_fix.pk}/merged/release/2.3")
        assert response.status_code == 403
    assert counts() == before
    assert not hot_fix.targets.filter(done=True).exists()


def test_the_outsider_refused_on_the_web_sees_no_checkbox(hot_fix, outsider, signed_in):
    client = signed_in(outsider)
    target = hot_fix.targets.get(branch="release/2.3")
    page = client.get(reverse("incident-detail", args=[hot_fix.incident.pk])).content.decode()
    assert "hot-fix-" in page and 'name="done"' not in page
    assert "Record a hot fix" not in page
    response = client.post(
        reverse("hot-fix-merge-back", args=[hot_fix.pk, target.pk]), {"done": "on"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.done


def test_its_owner_from_another_team_may_tick_its_merge_backs(resolved, member, outsider):
    """Carol of Platform owns the merge-backs of a fix Bob recorded for Payments."""
    hot_fix = _record(resolved, member, owner=outsider)
    assert may_change_hot_fix(hot_fix, outsider)
    assert not may_record_hot_fix(resolved, outsider)
    target = mark_merged_back(hot_fix=hot_fix, by=outsider, branch="release/2.3")
    assert target.done and target.done_by == outsider


def test_an_owner_who_became_a_viewer_may_not(resolved, member, other_member):
    hot_fix = _record(resolved, member, owner=other_member)
    other_member.memberships.all().delete()
    other_member.role = InstanceRole.VIEWER
    other_member.save()
    assert not may_change_hot_fix(hot_fix, other_member)
    with pytest.raises(PermissionDenied, match="is a viewer"):
        mark_merged_back(hot_fix=hot_fix, by=other_member, branch="release/2.3")


def test_a_viewer_cannot_be_its_owner(resolved, member, viewer):
    from tocsin.errors import ValidationFailed

    before = counts()
    with pytest.raises(ValidationFailed, match="only reads") as refused:
        _record(resolved, member, owner=viewer)
    assert refused.value.field == "owner"
    assert counts() == before


def test_someone_with_a_role_on_the_incident_may_record_one(resolved, lead, platform):
    from tocsin.incidents.models import Role, RoleAssignment

    helper = person("dana@example.com", "Dana Reyes", team=platform)
    RoleAssignment.objects.create(incident=resolved, user=helper, role=Role.RESPONDER)
    assert may_record_hot_fix(resolved, helper)
    assert _record(resolved, helper).created_by == helper


def test_a_hot_fix_is_recorded_on_an_open_incident_too(checkout_incident, member):
    assert checkout_incident.is_open
    hot_fix = _record(checkout_incident, member)
    assert hot_fix.incident == checkout_incident and hot_fix.owner == member
