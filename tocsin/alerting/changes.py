"""Change events: deploys and other changes that are not problems, kept per service and noted on
the open incidents they may have caused."""

from django.db import transaction
from django.utils import timezone

from tocsin.incidents import services as incidents
from tocsin.incidents.models import OPEN_STATUSES, Channel, Event, Incident

from .models import ChangeEvent, Integration
from .sources.pagerduty import ParsedChange


def record_change(*, integration: Integration, change: ParsedChange) -> ChangeEvent:
    """Store the change and note it on every open incident of the integration's service (of its
    team when the integration has no service)."""
    with transaction.atomic():
        stored = ChangeEvent.objects.create(
            integration=integration,
            service=integration.service,
            summary=change.summary,
            source=change.source,
            occurred_at=change.timestamp or timezone.now(),
            links=change.links,
            details=change.details,
        )
        affected = Incident.objects.filter(status__in=OPEN_STATUSES)
        if integration.service_id:
            affected = affected.filter(services=integration.service_id)
        else:
            affected = affected.filter(team=integration.team_id)
        where = f" on {integration.service.name}" if integration.service_id else ""
        for incident in affected.distinct().order_by("pk"):
            incidents.record(
                incident,
                Event.CHANGE,
                actor=None,
                via=Channel.INTEGRATION,
                system=integration.actor_name,
                message=f"Change{where}: {change.summary}",
                data={"change": stored.pk, "source": change.source, "links": change.links},
            )
    return stored


def recent_changes(*, service=None, since=None):
    """Changes, newest first; of one service and after `since` when given."""
    changes = ChangeEvent.objects.select_related("service", "integration")
    if service is not None:
        changes = changes.filter(service=service)
    if since is not None:
        changes = changes.filter(occurred_at__gte=since)
    return changes
