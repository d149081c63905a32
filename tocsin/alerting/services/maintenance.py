"""Maintenance windows: while one is in effect, new alerts about its service are suppressed."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.permissions import ensure_works_for_team
from tocsin.errors import Conflict, ValidationFailed
from tocsin.validation import clean_text

from ..models import MaintenanceWindow


def schedule_maintenance(
    *, service, starts_at: datetime, ends_at: datetime, reason: str, by
) -> MaintenanceWindow:
    ensure_works_for_team(service.team, by, action=f"schedule maintenance for {service}")
    reason = clean_text(
        reason, field="reason", max_length=200, missing="say why, e.g. 'PostgreSQL 16 upgrade'"
    )
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None or timezone.is_naive(value):
            raise ValidationFailed(f"{name} needs a date, a time and a time zone", field=name)
    if ends_at <= starts_at:
        raise ValidationFailed("the window must end after it starts", field="ends_at")
    if ends_at <= timezone.now():
        raise ValidationFailed("the window would already be over", field="ends_at")
    with transaction.atomic():
        return MaintenanceWindow.objects.create(
            service=service, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=by
        )


def end_maintenance(*, window: MaintenanceWindow, by) -> MaintenanceWindow:
    """End a running window now; one that has not started is deleted and comes back `cancelled`.

    A window that starts this very instant has not started: it cannot end when it starts.
    """
    ensure_works_for_team(window.service.team, by, action="end this window")
    now = timezone.now()
    if window.ends_at <= now:
        raise Conflict(
            f"this window is already over (it ended {window.ends_at:%Y-%m-%d %H:%M} UTC)"
        )
    with transaction.atomic():
        if window.starts_at >= now:
            window.delete()
            window.cancelled = True
        else:
            window.ends_at = now
            window.save(update_fields=["ends_at"])
    return window
