"""What a webhook receives: which timeline events become which event types, and the JSON body.

The body is built when the event happens (in its transaction) and stored on the outbox message,
so every retry sends the same bytes, showing the incident as it was at that moment.
"""

import json
import uuid
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from tocsin.incidents.models import Event, Incident, Role, TimelineEvent

from .models import PING, EventType, Webhook

# Timeline kinds that are not here (roles, alerts, pages sent or failed, the escalation engine's
# remarks) send nothing: a failed webhook delivery is itself a timeline event and must not
# produce more webhooks, and `note_added` means a person wrote something.
EVENT_TYPES: dict[str, str] = {
    Event.CREATED: EventType.TRIGGERED,
    Event.ACKNOWLEDGED: EventType.ACKNOWLEDGED,
    Event.ASSIGNED: EventType.UPDATED,
    Event.STATUS_CHANGED: EventType.UPDATED,
    Event.RETRIGGERED: EventType.UPDATED,
    Event.SEVERITY_CHANGED: EventType.UPDATED,
    Event.UPDATED: EventType.UPDATED,
    Event.NOTE: EventType.NOTE_ADDED,
    Event.RESOLVED: EventType.RESOLVED,
    # A cancelled incident is closed too; `incident.status` and `event.kind` tell them apart.
    Event.CANCELLED: EventType.RESOLVED,
    Event.REOPENED: EventType.REOPENED,
}


def event_type(kind: str) -> str | None:
    return EVENT_TYPES.get(kind)


def _dumps(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _when(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "display_name": user.display_name}


def incident_url(incident: Incident) -> str:
    return settings.BASE_URL + reverse("incident-detail", args=[incident.pk])


def incident_data(incident: Incident) -> dict:
    commander = (
        incident.role_assignments.filter(role=Role.COMMANDER, ended_at__isnull=True)
        .select_related("user")
        .first()
    )
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "description": incident.description,
        "status": incident.status,
        "status_label": incident.get_status_display(),
        "severity": {
            "key": incident.severity.key,
            "name": incident.severity.name,
            "rank": incident.severity.rank,
        },
        "team": {"slug": incident.team.slug, "name": incident.team.name},
        "services": [
            {"slug": service.slug, "name": service.name}
            for service in incident.services.order_by("name")
        ],
        "source": incident.source,
        "drill": incident.drill,
        "url": incident_url(incident),
        "reported_by": _person(incident.reported_by),
        "reported_at": _when(incident.reported_at),
        "acknowledged_by": _person(incident.acknowledged_by),
        "acknowledged_at": _when(incident.acknowledged_at),
        "commander": _person(commander.user if commander else None),
        "resolved_by": _person(incident.resolved_by),
        "resolved_at": _when(incident.resolved_at),
        "resolution": incident.resolution,
        "cancelled_at": _when(incident.cancelled_at),
        "cancel_reason": incident.cancel_reason,
    }


def event_body(incident: Incident, event: TimelineEvent, type_: str) -> str:
    """The JSON text for one timeline event; the same for every webhook that receives it."""
    return _dumps(
        {
            "id": f"event-{event.pk}",
            "type": type_,
            "created_at": _when(event.at),
            "incident": incident_data(incident),
            "event": {
                "kind": event.kind,
                "message": event.message,
                "actor": _person(event.actor),
                "actor_name": event.actor_name,
                "via": event.via,
                "at": _when(event.at),
            },
        }
    )


def ping_body(webhook: Webhook, *, at: datetime, by) -> tuple[str, str]:
    """(event id, JSON text) of a test delivery."""
    ping_id = f"ping-{uuid.uuid4().hex}"
    body = _dumps(
        {
            "id": ping_id,
            "type": PING,
            "created_at": _when(at),
            "webhook": {"id": webhook.pk, "name": webhook.name},
            "message": f"A test from Tocsin, sent by {by}.",
        }
    )
    return ping_id, body
