"""The table of what each severity proposes for the components of an incident's services."""

from django.db import transaction

from tocsin.accounts.permissions import ensure_manages_status_pages

from ..models import ProposedStatus
from .common import status_value

PROPOSABLE = [status for status in ProposedStatus._meta.get_field("status").choices]


def set_proposed_status(*, severity, status: str, by) -> ProposedStatus | None:
    """`severity` proposes `status` from now on; "" proposes nothing (the row is removed)."""
    ensure_manages_status_pages(by, action="change the status each severity proposes")
    if status:
        status = status_value(
            status,
            field=f"severity-{severity.key}",
            allowed=[value for value, _ in PROPOSABLE if value != "under_maintenance"],
        )
    with transaction.atomic():
        if not status:
            ProposedStatus.objects.filter(severity=severity).delete()
            return None
        proposed, _ = ProposedStatus.objects.update_or_create(
            severity=severity, defaults={"status": status}
        )
    return proposed
