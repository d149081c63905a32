"""What an action item must be, and who may do what: who may work the incident or edit its
post-mortem adds and edits; the owner (or an admin) changes the status; viewers only read.
Every refusal names the problem and changes nothing."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from tocsin.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tocsin.postincident.actions.models import ActionItem, ActionStatus
from tocsin.postincident.actions.services import (
    change_status,
    create_action_item,
    update_action_item,
)

from .conftest import TODAY


def add(postmortem, by, **fields):
    values = {
        "kind": "prevent",
        "title": "Add a canary stage to checkout deploys",
        "owner": by,
        "due_on": TODAY + timedelta(days=14),
    } | fields
    return create_action_item(incident=postmortem.incident, by=by, **values)


def nothing_was_added(incident):
    assert not ActionItem.objects.exists()
    assert not incident.timeline.filter(data__action_item__isnull=False).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "  "}, "title", "title must not be empty"),
        ({"title": "x" * 201}, "title", "title is longer than 200 characters"),
        ({"kind": "blame"}, "kind", "unknown kind 'blame'"),
        ({"priority": "urgent"}, "priority", "unknown priority 'urgent'"),
        ({"external_url": "javascript:alert(1)"}, "external_url", "not an http:// or https://"),
        ({"external_url": "ftp://tracker/1"}, "external_url", "not an http:// or https://"),
        ({"due_on": TODAY - timedelta(days=1)}, "due_on", "is in the past"),
        ({"kind": "update_runbook"}, "runbook", "say which runbook to update"),
        ({"description": "a\x00b"}, "description", "NUL character"),
    ],
)
def test_bad_input_is_refused_and_adds_nothing(postmortem, bob, fields, field, message):
    with pytest.raises(ValidationFailed, match=message) as refused:
        add(postmortem, bob, **fields)
    assert refused.value.field == field
    nothing_was_added(postmortem.incident)


def test_a_viewer_cannot_own_an_item(postmortem, bob, viewer):
    with pytest.raises(ValidationFailed, match="only reads") as refused:
        add(postmortem, bob, owner=viewer)
    assert refused.value.field == "owner"
    nothing_was_added(postmortem.incident)


def test_a_runbook_only_for_the_runbook_kinds(postmortem, bob, checkout_runbook):
    with pytest.raises(ValidationFailed, match="only for the kinds add runbook"):
        add(postmortem, bob, runbook=checkout_runbook)
    nothing_was_added(postmortem.incident)


@pytest.mark.parametrize("who", ["carol", "viewer"])
def test_outsiders_and_viewers_may_not_add(postmortem, who, request, bob):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied, match="only members of Payments|only reads|viewer"):
        add(postmortem, person, owner=bob)
    nothing_was_added(postmortem.incident)


def test_members_and_the_postmortem_author_add(postmortem, alice, bob, admin):
    assert add(postmortem, alice).created_by == alice  # a member of Payments
    assert add(postmortem, bob, title="Alert on gateway 5xx").created_by == bob  # its author
    assert add(postmortem, admin, owner=bob, title="Review timeouts").created_by == admin


def test_the_database_keeps_wont_do_with_a_reason(postmortem, bob):
    item = add(postmortem, bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(status="wont_do", wont_do_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(external_url="file:///etc/passwd")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItem.objects.filter(pk=item.pk).update(status="done")  # without done_at


def test_only_the_owner_or_an_admin_changes_the_status(postmortem, bob, alice, dave, admin):
    item = add(postmortem, bob, owner=dave)
    with pytest.raises(PermissionDenied, match=r"only its owner \(Dave Ito\) or an admin"):
        change_status(item=item, by=alice, status="done")
    item.refresh_from_db()
    assert item.status == ActionStatus.OPEN and item.done_at is None
    assert change_status(item=item, by=dave, status="in_progress").status == "in_progress"
    assert change_status(item=item, by=admin, status="done").done_at is not None


def test_wont_do_needs_a_reason_and_reopening_forgets_it(postmortem, bob):
    item = add(postmortem, bob)
    with pytest.raises(ValidationFailed, match="say why it won't be done") as refused:
        change_status(item=item, by=bob, status="wont_do", reason=" ")
    assert refused.value.field == "reason"
    item = change_status(item=item, by=bob, status="wont_do", reason="Covered by PAY-100.")
    assert item.wont_do_reason == "Covered by PAY-100."
    assert postmortem.incident.timeline.filter(
        message="Action item won't do: Add a canary stage to checkout deploys: Covered by PAY-100."
    ).exists()
    item = change_status(item=item, by=bob, status="open")
    assert item.wont_do_reason == ""


def test_the_same_status_again_is_a_conflict(postmortem, bob):
    item = add(postmortem, bob)
    with pytest.raises(InvalidTransition, match="already open"):
        change_status(item=item, by=bob, status="open")


def test_editing_is_for_who_may_add(postmortem, bob, dave, carol):
    item = add(postmortem, bob)
    with pytest.raises(PermissionDenied, match="may edit this action item"):
        update_action_item(item=item, by=carol, title="Nothing")
    item = update_action_item(item=item, by=bob, owner=dave, priority="high")
    assert (item.owner, item.priority) == (dave, "high")
    assert postmortem.incident.timeline.filter(
        message="Action item edited: Add a canary stage to checkout deploys (owner, priority)"
    ).exists()


def test_a_bad_edit_changes_nothing(postmortem, bob):
    item = add(postmortem, bob)
    with pytest.raises(ValidationFailed, match="not an http"):
        update_action_item(item=item, by=bob, title="New title", external_url="nope")
    item.refresh_from_db()
    assert item.title == "Add a canary stage to checkout deploys" and item.external_url == ""
    assert not postmortem.incident.timeline.filter(
        message__startswith="Action item edited"
    ).exists()
