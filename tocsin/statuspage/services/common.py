"""What the status page's writes share: checks of typed-in values, telling subscribers, and
which status a component returns to when an incident or a maintenance lets go of it."""

import re
from datetime import datetime, timedelta

from django.utils import timezone

from tocsin.errors import ValidationFailed
from tocsin.validation import clean_text

from .. import snapshot
from ..models import (
    COMPONENT_STATUS_RANK,
    Component,
    ComponentStatus,
    ComponentStatusChange,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    PublicIncident,
)

__all__ = ["clean_text", "rerender_on_commit"]

# A display time may be a little ahead of the server's clock (the writer's clock, a slow form),
# never more: an update "from the future" would sit on top of every later one.
DISPLAY_AHEAD = timedelta(minutes=5)
MAX_BODY = 20_000


# What the public files cannot carry: XML 1.0 (the feeds) has no place for control characters
# but tab, line feed and carriage return, and a name is one line.
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_NAME_CONTROLS = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")


def _refuse_controls(value: str, pattern: re.Pattern, *, field: str) -> str:
    found = pattern.search(value)
    if found:
        raise ValidationFailed(
            f"the {field} contains the control character U+{ord(found.group()):04X}", field=field
        )
    return value


def clean_body(body: str | None, *, field: str = "body", required: bool = True) -> str:
    value = clean_text(
        body,
        field=field,
        max_length=MAX_BODY,
        missing="write what the public should know" if required else None,
    )
    return _refuse_controls(value, _BODY_CONTROLS, field=field)


def clean_name(name: str | None, *, max_length: int, what: str) -> str:
    value = clean_text(name, field="name", max_length=max_length, missing=f"give the {what} a name")
    return _refuse_controls(value, _NAME_CONTROLS, field="name")


def aware(value, *, field: str) -> datetime:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise ValidationFailed(f"{field} needs a date, a time and a time zone", field=field)
    return value


def display_time(value: datetime | None, *, field: str = "display_at") -> datetime:
    """When an update says it was written: now, or backdated; not in the future."""
    now = timezone.now()
    if value is None:
        return now
    value = aware(value, field=field)
    if value.year < 2000:
        raise ValidationFailed(f"{field} is before the year 2000", field=field)
    if value > now + DISPLAY_AHEAD:
        raise ValidationFailed(
            f"{field} is in the future ({value:%Y-%m-%d %H:%M} UTC): an update may be backdated, "
            f"but not dated more than {int(DISPLAY_AHEAD.total_seconds() // 60)} minutes ahead",
            field=field,
        )
    return value


def status_value(status: str, *, field: str = "status", allowed=None) -> str:
    allowed = list(allowed or ComponentStatus.values)
    if status not in allowed:
        raise ValidationFailed(
            f"unknown component status {status!r}; use one of {', '.join(allowed)}", field=field
        )
    return status


def incident_status_value(status: str, *, field: str = "status") -> str:
    if status not in IncidentStatus.values:
        raise ValidationFailed(
            f"unknown incident status {status!r}; use one of {', '.join(IncidentStatus.values)}",
            field=field,
        )
    return status


def rerender_on_commit(page) -> None:
    """The page's public files are rendered again once this transaction commits."""
    snapshot.rerender_on_commit(page)


def tell_subscribers_of_update(update) -> None:
    """Subscribers of the update's components hear about it (their outbox messages are queued
    in this transaction)."""
    from tocsin.statuspage.subscribers import notify

    notify.incident_update_published(update)


def tell_subscribers_of_component(change: ComponentStatusChange, *, old_status: str) -> None:
    """Webhook subscribers of the component hear of its new status (Statuspage's
    `component_update`), queued in this transaction."""
    from tocsin.statuspage.subscribers import notify

    notify.component_status_changed(change, old_status=old_status)


def tell_subscribers_of_maintenance(maintenance, *, what: str, update=None) -> None:
    from tocsin.statuspage.subscribers import notify

    notify.maintenance_announced(maintenance, what=what, update=update)


def apply_status(
    component: Component,
    status: str,
    *,
    by=None,
    incident: PublicIncident | None = None,
    maintenance: Maintenance | None = None,
    at: datetime | None = None,
) -> str | None:
    """Set the component's status and write it into its history; the status it left, or None
    when it already had this one (nothing written)."""
    before = component.status
    if before == status:
        return None
    at = at or timezone.now()
    component.status = status
    component.updated_at = at
    component.save(update_fields=["status", "updated_at"])
    change = ComponentStatusChange.objects.create(
        component=component, status=status, at=at, incident=incident, maintenance=maintenance, by=by
    )
    tell_subscribers_of_component(change, old_status=before)
    return before


def _status_set_by(component: Component, incident: PublicIncident) -> str | None:
    change = (
        ComponentStatusChange.objects.filter(component=component, incident=incident)
        .order_by("-at", "-id")
        .first()
    )
    return change.status if change else None


def held_status(
    component: Component,
    *,
    releasing_incident: PublicIncident | None = None,
    releasing_maintenance: Maintenance | None = None,
    now: datetime | None = None,
) -> str | None:
    """The worst status another unresolved public incident or a running maintenance still holds
    the component in, besides the one letting go of it; None when nothing holds it."""
    now = now or timezone.now()
    held = []
    others = PublicIncident.objects.filter(
        components=component, published_at__isnull=False
    ).exclude(status=IncidentStatus.RESOLVED)
    if releasing_incident is not None:
        others = others.exclude(pk=releasing_incident.pk)
    for other in others:
        status = _status_set_by(component, other)
        if status and status != ComponentStatus.OPERATIONAL:
            held.append(status)
    running = Maintenance.objects.filter(
        components=component,
        cancelled_at__isnull=True,
        announced_start_at__isnull=False,
        announced_end_at__isnull=True,
    )
    if releasing_maintenance is not None:
        running = running.exclude(pk=releasing_maintenance.pk)
    if any(
        m.status_at(now) in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
        for m in running
    ):
        held.append(ComponentStatus.UNDER_MAINTENANCE)
    if not held:
        return None
    return max(held, key=lambda status: COMPONENT_STATUS_RANK[ComponentStatus(status)])


def affected(component: Component, old: str, new: str) -> dict:
    return {"code": component.code, "name": component.name, "old_status": old, "new_status": new}
