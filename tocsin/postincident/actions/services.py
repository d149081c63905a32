"""Every write to action items: one transaction each, noted on the incident's timeline."""

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import (
    ensure_may_add_action_item,
    ensure_may_change_action_item_status,
    ensure_may_edit_action_item,
)
from tocsin.errors import InvalidTransition, ValidationFailed
from tocsin.incidents.models import Channel, Event, Incident
from tocsin.incidents.services import record

from . import checks
from .models import RUNBOOK_KINDS, ActionItem, ActionKind, ActionPriority, ActionStatus

UNSET = object()
EDITABLE_FIELDS = ("kind", "title", "description", "owner", "due_on", "priority", "external_url")


def tell_the_incident(item: ActionItem, message: str, *, by: User | None, via: str, **data):
    """Action items are the post-mortem's follow-up: noted as *Post-mortem* on the timeline."""
    record(
        item.incident,
        Event.POSTMORTEM,
        actor=by,
        via=via or Channel.WEB,
        system="" if by else "Tocsin",
        message=message,
        data={"action_item": item.pk, "postmortem": item.postmortem_id, **data},
    )


def _check_runbook(kind: str, runbook) -> None:
    if runbook is not None and kind not in RUNBOOK_KINDS:
        raise ValidationFailed(
            "a runbook is named only for the kinds add runbook and update runbook", field="runbook"
        )
    if kind == ActionKind.UPDATE_RUNBOOK and runbook is None:
        raise ValidationFailed("say which runbook to update", field="runbook")


def create_action_item(
    *,
    incident: Incident,
    by: User,
    kind: str,
    title: str,
    owner: User,
    due_on,
    priority: str = ActionPriority.MEDIUM,
    description: str = "",
    external_url: str = "",
    postmortem=None,
    runbook=None,
    via: str = Channel.WEB,
) -> ActionItem:
    """Add an action item to an incident (and its post-mortem, when it came from one)."""
    if postmortem is None:
        postmortem = getattr(incident, "postmortem", None)
    elif postmortem.incident_id != incident.pk:
        raise ValidationFailed(
            f"that post-mortem is not the one of {incident.reference}", field="postmortem"
        )
    ensure_may_add_action_item(incident, by, postmortem=postmortem)
    values = {
        "kind": checks.kind(kind),
        "title": checks.title(title),
        "description": checks.description(description),
        "owner": checks.owner(owner),
        "due_on": checks.due_on(due_on, today=timezone.now().date()),
        "priority": checks.priority(priority),
        "external_url": checks.external_url(external_url),
    }
    _check_runbook(values["kind"], runbook)
    with transaction.atomic():
        item = ActionItem.objects.create(
            incident=incident,
            postmortem=postmortem,
            runbook=runbook,
            created_by=by,
            **values,
        )
        tell_the_incident(
            item,
            f"Action item added: {item.title} ({item.get_kind_display().lower()}, "
            f"owner {item.owner}, due {item.due_on:%a %d %b %Y})",
            by=by,
            via=via,
            action="action_item_added",
        )
    return item


def _locked(item: ActionItem) -> ActionItem:
    return (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("incident__team", "postmortem", "owner", "runbook")
        .get(pk=item.pk)
    )


def update_action_item(
    *, item: ActionItem, by: User, via: str = Channel.WEB, **changes
) -> ActionItem:
    """Change any of EDITABLE_FIELDS (and `runbook`); a field left UNSET keeps its value."""
    unknown = set(changes) - {*EDITABLE_FIELDS, "runbook"}
    if unknown:
        raise ValidationFailed(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    changes = {name: value for name, value in changes.items() if value is not UNSET}
    ensure_may_edit_action_item(item, by)
    today = timezone.now().date()
    clean = {}
    for name, value in changes.items():
        if name == "due_on":
            clean[name] = value if value == item.due_on else checks.due_on(value, today=today)
        elif name != "runbook":
            clean[name] = getattr(checks, name)(value)
    with transaction.atomic():
        item = _locked(item)
        ensure_may_edit_action_item(item, by)
        runbook = changes.get("runbook", item.runbook)
        _check_runbook(clean.get("kind", item.kind), runbook)
        changed = [name for name, value in clean.items() if getattr(item, name) != value]
        if "runbook" in changes and runbook != item.runbook:
            changed.append("runbook")
        if not changed:
            return item
        for name in changed:
            setattr(item, name, runbook if name == "runbook" else clean[name])
        item.updated_at = timezone.now()
        item.save(update_fields=[*changed, "updated_at"])
        tell_the_incident(
            item,
            f"Action item edited: {item.title} ({', '.join(n.replace('_', ' ') for n in changed)})",
            by=by,
            via=via,
            action="action_item_edited",
            fields=changed,
        )
    return item


def change_status(
    *, item: ActionItem, by: User, status: str, reason: str = "", via: str = Channel.WEB
) -> ActionItem:
    """Open, in progress, done, or won't do (with a reason): its owner or an admin."""
    status = checks.status(status)
    reason = checks.reason(reason)
    ensure_may_change_action_item_status(item, by)
    if status == ActionStatus.WONT_DO and not reason:
        raise ValidationFailed("say why it won't be done", field="reason")
    with transaction.atomic():
        item = _locked(item)
        ensure_may_change_action_item_status(item, by)
        if item.status == status:
            raise InvalidTransition(
                f"the action item is already {item.get_status_display().lower()}", field="status"
            )
        item.status = status
        item.wont_do_reason = reason if status == ActionStatus.WONT_DO else ""
        item.done_at = timezone.now() if status == ActionStatus.DONE else None
        item.updated_at = timezone.now()
        item.save(update_fields=["status", "wont_do_reason", "done_at", "updated_at"])
        said = f": {reason}" if status == ActionStatus.WONT_DO else ""
        tell_the_incident(
            item,
            f"Action item {item.get_status_display().lower()}: {item.title}{said}",
            by=by,
            via=via,
            action="action_item_status",
            status=status,
        )
    return item


def change_action_item(
    *, item: ActionItem, by: User, via: str = Channel.WEB, status=UNSET, reason=UNSET, **changes
) -> ActionItem:
    """Fields and status together, all or nothing (the API's PATCH)."""
    with transaction.atomic():
        if any(value is not UNSET for value in changes.values()):
            item = update_action_item(item=item, by=by, via=via, **changes)
        if status is not UNSET and status != item.status:
            item = change_status(
                item=item, by=by, status=status, reason="" if reason is UNSET else reason, via=via
            )
        elif reason is not UNSET and status is UNSET:
            raise ValidationFailed("a reason goes with a status", field="reason")
    return item
