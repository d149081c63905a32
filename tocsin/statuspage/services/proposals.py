"""The status each severity proposes for the components of an incident's services: admins."""

from django.db import transaction

from tocsin.accounts.permissions import ensure_manages_status_pages

from ..models import ComponentStatus, ProposedStatus
from .common import status_value

PROPOSABLE = [
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
]


def set_proposed_status(*, severity, status: str | None, by) -> ProposedStatus | None:
    """`status` None: the severity proposes nothing."""
    ensure_manages_status_pages(by, action="change the status each severity proposes")
    if status is not None:
        status = status_value(status, allowed=PROPOSABLE)
    with transaction.atomic():
        if status is None:
            ProposedStatus.objects.filter(severity=severity).delete()
            return None
        proposed, _ = ProposedStatus.objects.update_or_create(
            severity=severity, defaults={"status": status}
        )
    return proposed
