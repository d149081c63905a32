"""Scheduled maintenance: the public notice and the alerting maintenance windows in one.

Scheduling makes one alerting window per service linked to its components, so alerts about
those services are suppressed exactly while the public is told the work is going on; moving,
shortening, completing early or cancelling the maintenance changes those windows with it.
`advance(now)`, run by every worker, tells subscribers of reminders, starts and ends, sets the
components under maintenance and back, and renders the page again.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tocsin.accounts.permissions import ensure_can_write, ensure_may_edit_component
from tocsin.alerting.models import MaintenanceWindow
from tocsin.errors import Conflict, ValidationFailed

from ..models import (
    Component,
    ComponentStatus,
    ComponentStatusChange,
    Maintenance,
    MaintenanceStatus,
    MaintenanceUpdate,
    Page,
)
from .common import (
    apply_status,
    aware,
    clean_body,
    clean_name,
    held_status,
    rerender_on_commit,
    tell_subscribers_of_maintenance,
)

MAX_REMINDER = timedelta(days=14)
MAX_AHEAD = timedelta(days=5 * 365)
STARTED = "The scheduled maintenance has begun."
COMPLETED = "The scheduled maintenance has been completed."
CANCELLED = "This scheduled maintenance has been cancelled."


def _components(page: Page, components, by) -> list[Component]:
    components = list(dict.fromkeys(components))
    if not components:
        raise ValidationFailed("choose the components the maintenance is on", field="components")
    for component in components:
        if not isinstance(component, Component) or component.page_id != page.pk:
            raise ValidationFailed(
                f"{component} is not a component of {page.name}", field="components"
            )
        ensure_may_edit_component(by, component)
    return components


def _window(scheduled_for, scheduled_until, *, now) -> tuple[datetime, datetime]:
    scheduled_for = aware(scheduled_for, field="scheduled_for")
    scheduled_until = aware(scheduled_until, field="scheduled_until")
    if scheduled_until <= scheduled_for:
        raise ValidationFailed("the maintenance must end after it starts", field="scheduled_until")
    if scheduled_until <= now:
        raise ValidationFailed("the maintenance would already be over", field="scheduled_until")
    if scheduled_for < now - MAX_AHEAD or scheduled_until > now + MAX_AHEAD:
        raise ValidationFailed(
            "a maintenance is scheduled within five years of today", field="scheduled_until"
        )
    return scheduled_for, scheduled_until


def _remind_before(value) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, timedelta) or value <= timedelta(0) or value > MAX_REMINDER:
        raise ValidationFailed(
            "remind subscribers between a minute and 14 days before it starts",
            field="remind_before",
        )
    return value


def _services(components) -> dict:
    return {service.pk: service for c in components for service in c.services.all()}


def _sync_windows(maintenance: Maintenance, components, *, by, now) -> None:
    """One window per linked service, covering the maintenance; others ended or removed."""
    wanted = _services(components)
    reason = maintenance.name[:200]
    ends_at = maintenance.scheduled_until
    if maintenance.completed_at is not None or maintenance.cancelled_at is not None:
        wanted = {}
    kept = set()
    for window in maintenance.windows.select_for_update():
        if window.service_id in wanted:
            window.starts_at, window.ends_at, window.reason = (
                maintenance.scheduled_for,
                ends_at,
                reason,
            )
            window.save(update_fields=["starts_at", "ends_at", "reason"])
            kept.add(window.service_id)
        else:
            _end_window(window, now=now)
    for service_id, service in wanted.items():
        if service_id not in kept:
            window = MaintenanceWindow.objects.create(
                service=service,
                starts_at=maintenance.scheduled_for,
                ends_at=ends_at,
                reason=reason,
                created_by=by,
            )
            maintenance.windows.add(window)


def _end_window(window: MaintenanceWindow, *, now) -> None:
    """A window that has begun ends now (what it suppressed stays explained); an unstarted one
    is removed."""
    if window.starts_at >= now:
        window.delete()
    elif window.ends_at > now:
        window.ends_at = now
        window.save(update_fields=["ends_at"])


def _locked(maintenance: Maintenance) -> Maintenance:
    return Maintenance.objects.select_for_update().select_related("page").get(pk=maintenance.pk)


def _still_open(maintenance: Maintenance, now) -> None:
    if maintenance.cancelled_at is not None:
        raise Conflict(f"maintenance {maintenance.code} was cancelled", field="maintenance")
    if maintenance.status_at(now) == MaintenanceStatus.COMPLETED:
        raise Conflict(f"maintenance {maintenance.code} is already completed", field="maintenance")


def _add_update(maintenance, *, body, by, now, status=None) -> MaintenanceUpdate:
    return MaintenanceUpdate.objects.create(
        maintenance=maintenance,
        status=status or maintenance.status_at(now),
        body=body,
        display_at=now,
        author=by,
    )


def schedule(
    *,
    page: Page,
    by,
    name: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    components,
    body: str = "",
    remind_before: timedelta | None = None,
) -> Maintenance:
    """A maintenance on the page, and the alerting windows of its components' services."""
    ensure_can_write(by)
    name = clean_name(name, max_length=200, what="maintenance")
    now = timezone.now()
    scheduled_for, scheduled_until = _window(scheduled_for, scheduled_until, now=now)
    components = _components(page, components, by)
    body = clean_body(body, required=False)
    remind_before = _remind_before(remind_before)
    with transaction.atomic():
        maintenance = Maintenance.objects.create(
            page=page,
            name=name,
            scheduled_for=scheduled_for,
            scheduled_until=scheduled_until,
            remind_before=remind_before,
            created_by=by,
        )
        maintenance.components.set(components)
        _sync_windows(maintenance, components, by=by, now=now)
        update = _add_update(maintenance, body=body, by=by, now=now) if body else None
        tell_subscribers_of_maintenance(maintenance, what="scheduled", update=update)
        rerender_on_commit(page)
        _advance_one(maintenance, now)
    return maintenance


UPDATABLE = {"name", "scheduled_for", "scheduled_until", "components", "remind_before"}


def update_maintenance(*, maintenance: Maintenance, by, body: str = "", **fields) -> Maintenance:
    """Change its name, times, components or reminder (and its windows with them); `body`, if
    given, is posted as an update that tells subscribers what changed."""
    unknown = set(fields) - UPDATABLE
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(f"a maintenance has no field {field!r}", field=field)
    for component in maintenance.components.all():
        ensure_may_edit_component(by, component)
    ensure_can_write(by)
    now = timezone.now()
    _still_open(maintenance, now)
    changes = {}
    if "name" in fields:
        changes["name"] = clean_name(fields["name"], max_length=200, what="maintenance")
    started = maintenance.announced_start_at is not None
    if "scheduled_for" in fields or "scheduled_until" in fields:
        starts = fields.get("scheduled_for", maintenance.scheduled_for)
        if started and "scheduled_for" in fields and starts != maintenance.scheduled_for:
            raise ValidationFailed(
                "the maintenance has begun: its start cannot move", field="scheduled_for"
            )
        starts, ends = _window(
            starts, fields.get("scheduled_until", maintenance.scheduled_until), now=now
        )
        changes["scheduled_for"], changes["scheduled_until"] = starts, ends
    components = None
    if "components" in fields:
        components = _components(maintenance.page, fields["components"], by)
    if "remind_before" in fields:
        changes["remind_before"] = _remind_before(fields["remind_before"])
    body = clean_body(body, required=False)
    with transaction.atomic():
        maintenance = _locked(maintenance)
        before = set(maintenance.components.all())
        for field, value in changes.items():
            setattr(maintenance, field, value)
        if "scheduled_for" in changes or "remind_before" in changes:
            maintenance.reminded_at = None
        maintenance.updated_at = now
        maintenance.save()
        if components is not None:
            maintenance.components.set(components)
            if started:
                for component in before - set(components):
                    _release(component, maintenance, now=now)
        _sync_windows(maintenance, list(maintenance.components.all()), by=by, now=now)
        update = _add_update(maintenance, body=body, by=by, now=now) if body else None
        tell_subscribers_of_maintenance(maintenance, what="updated", update=update)
        rerender_on_commit(maintenance.page)
        _advance_one(maintenance, now)
    return maintenance


def post_maintenance_update(
    *, maintenance: Maintenance, by, body: str, verifying: bool | None = None
) -> MaintenanceUpdate:
    """An update on a maintenance; `verifying=True` says the work is done and being checked."""
    for component in maintenance.components.all():
        ensure_may_edit_component(by, component)
    ensure_can_write(by)
    body = clean_body(body)
    now = timezone.now()
    if maintenance.cancelled_at is not None:
        raise Conflict(f"maintenance {maintenance.code} was cancelled", field="maintenance")
    if verifying is not None and maintenance.status_at(now) not in (
        MaintenanceStatus.IN_PROGRESS,
        MaintenanceStatus.VERIFYING,
    ):
        raise Conflict("only a maintenance in progress can be verified", field="verifying")
    with transaction.atomic():
        maintenance = _locked(maintenance)
        if verifying is not None:
            maintenance.verifying = verifying
        maintenance.updated_at = now
        maintenance.save()
        update = _add_update(maintenance, body=body, by=by, now=now)
        tell_subscribers_of_maintenance(maintenance, what="updated", update=update)
        rerender_on_commit(maintenance.page)
    return update


def complete_early(*, maintenance: Maintenance, by, body: str = "") -> Maintenance:
    """Done before its scheduled end: its windows end now, its components come back."""
    for component in maintenance.components.all():
        ensure_may_edit_component(by, component)
    ensure_can_write(by)
    body = clean_body(body, required=False) or COMPLETED
    now = timezone.now()
    _still_open(maintenance, now)
    if maintenance.status_at(now) == MaintenanceStatus.SCHEDULED:
        raise Conflict(
            f"maintenance {maintenance.code} has not begun: cancel it instead",
            field="maintenance",
        )
    with transaction.atomic():
        maintenance = _locked(maintenance)
        maintenance.completed_at = now
        maintenance.updated_at = now
        maintenance.save()
        _sync_windows(maintenance, [], by=by, now=now)
        _finish(maintenance, now=now, body=body, by=by)
    return maintenance


def cancel_maintenance(*, maintenance: Maintenance, by, body: str = "") -> Maintenance:
    """Called off before it begins: its windows are removed, subscribers are told."""
    for component in maintenance.components.all():
        ensure_may_edit_component(by, component)
    ensure_can_write(by)
    body = clean_body(body, required=False) or CANCELLED
    now = timezone.now()
    _still_open(maintenance, now)
    if maintenance.status_at(now) != MaintenanceStatus.SCHEDULED:
        raise Conflict(
            f"maintenance {maintenance.code} has begun: complete it early instead",
            field="maintenance",
        )
    with transaction.atomic():
        maintenance = _locked(maintenance)
        maintenance.cancelled_at = now
        maintenance.announced_end_at = now
        maintenance.updated_at = now
        maintenance.save()
        _sync_windows(maintenance, [], by=by, now=now)
        update = _add_update(
            maintenance, body=body, by=by, now=now, status=MaintenanceStatus.COMPLETED
        )
        tell_subscribers_of_maintenance(maintenance, what="updated", update=update)
        rerender_on_commit(maintenance.page)
    return maintenance


# ---------------------------------------------------------------------------------------------
# The clock: reminders, starts and ends


def _status_before(component: Component, maintenance: Maintenance) -> str:
    """What the component showed before this maintenance set it under maintenance; operational
    if that was a public incident's status (the incident, if unresolved, holds it anyway)."""
    mine = ComponentStatusChange.objects.filter(component=component, maintenance=maintenance)
    first = mine.order_by("at", "id").first()
    if first is None:
        return component.status
    previous = (
        ComponentStatusChange.objects.filter(component=component)
        .filter(Q(at__lt=first.at) | Q(at=first.at, id__lt=first.id))
        .order_by("-at", "-id")
        .first()
    )
    if previous is None or previous.incident_id or previous.maintenance_id:
        return ComponentStatus.OPERATIONAL
    return previous.status


def _release(component: Component, maintenance: Maintenance, *, now) -> None:
    component = Component.objects.select_for_update().get(pk=component.pk)
    if component.status != ComponentStatus.UNDER_MAINTENANCE:
        return  # someone set it since: theirs stands
    back = held_status(component, releasing_maintenance=maintenance, now=now)
    back = back or _status_before(component, maintenance)
    apply_status(component, back, maintenance=maintenance, at=now)


def _start(maintenance: Maintenance, *, now) -> None:
    for component in maintenance.components.select_for_update():
        apply_status(component, ComponentStatus.UNDER_MAINTENANCE, maintenance=maintenance, at=now)
    maintenance.announced_start_at = now
    maintenance.save(update_fields=["announced_start_at"])
    update = _add_update(
        maintenance, body=STARTED, by=None, now=now, status=MaintenanceStatus.IN_PROGRESS
    )
    tell_subscribers_of_maintenance(maintenance, what="started", update=update)
    rerender_on_commit(maintenance.page)


def _finish(maintenance: Maintenance, *, now, body: str = COMPLETED, by=None) -> None:
    if maintenance.announced_start_at is not None:
        for component in maintenance.components.all():
            _release(component, maintenance, now=now)
    maintenance.announced_end_at = now
    maintenance.save(update_fields=["announced_end_at"])
    update = _add_update(maintenance, body=body, by=by, now=now, status=MaintenanceStatus.COMPLETED)
    tell_subscribers_of_maintenance(maintenance, what="completed", update=update)
    rerender_on_commit(maintenance.page)


def _advance_one(maintenance: Maintenance, now) -> bool:
    """Inside a transaction, with `maintenance` locked: do what is due; whether anything was."""
    if maintenance.cancelled_at is not None or maintenance.announced_end_at is not None:
        return False
    status = maintenance.status_at(now)
    if status == MaintenanceStatus.SCHEDULED:
        due = maintenance.remind_before is not None and maintenance.reminded_at is None
        if due and now >= maintenance.scheduled_for - maintenance.remind_before:
            maintenance.reminded_at = now
            maintenance.save(update_fields=["reminded_at"])
            tell_subscribers_of_maintenance(maintenance, what="reminder")
            return True
        return False
    if status == MaintenanceStatus.COMPLETED:
        _finish(maintenance, now=now)
        return True
    if maintenance.announced_start_at is None:
        _start(maintenance, now=now)
        return True
    return False


def advance(now: datetime | None = None) -> int:
    """Announce every reminder, start and end that is due; the number of steps taken."""
    now = now or timezone.now()
    steps = 0
    pending = Maintenance.objects.filter(
        cancelled_at__isnull=True, announced_end_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(pending):
        with transaction.atomic():
            maintenance = (
                Maintenance.objects.select_for_update(skip_locked=True)
                .select_related("page")
                .filter(pk=pk, announced_end_at__isnull=True)
                .first()
            )
            if maintenance is not None and _advance_one(maintenance, now):
                steps += 1
    return steps


def running_for(component: Component, now: datetime | None = None) -> Maintenance | None:
    """The maintenance that has the component under maintenance now, if any."""
    now = now or timezone.now()
    for maintenance in component.maintenances.filter(
        cancelled_at__isnull=True, announced_start_at__isnull=False, announced_end_at__isnull=True
    ):
        if maintenance.status_at(now) in (
            MaintenanceStatus.IN_PROGRESS,
            MaintenanceStatus.VERIFYING,
        ):
            return maintenance
    return None
