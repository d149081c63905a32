"""What a webhook subscriber receives: the body of Statuspage's subscriber webhooks.

Statuspage POSTs `{"meta": {"unsubscribe", "documentation", "generated_at"}, "page": {"id",
"status_indicator", "status_description"}, "incident": {…}}` for an incident update; a
scheduled maintenance is an incident there too, with `scheduled_for` / `scheduled_until` and
the statuses scheduled, in_progress, verifying and completed; a component's status change is
`{"meta", "page", "component_update": {…}, "component": {…}}`. Tocsin sends the same shape with
the same field names, so a receiver written for Statuspage reads it unchanged; the body is
signed like every Tocsin webhook (X-Tocsin-Signature, docs/webhooks.md).
"""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from .. import impact as impacts
from ..models import (
    Component,
    ComponentStatusChange,
    IncidentUpdate,
    Maintenance,
    MaintenanceUpdate,
    Page,
    PublicIncident,
)
from . import links

# Statuspage's impact of a scheduled maintenance.
MAINTENANCE_IMPACT = "maintenance"


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with its offset, in UTC, to the millisecond: "2026-12-06T02:00:00.000Z"."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def documentation_url() -> str:
    return settings.BASE_URL + "/docs/statuspage.md"


def page_part(page: Page) -> dict:
    statuses = page.components.filter(visible=True).values_list("status", flat=True)
    indicator, description = impacts.indicator(statuses)
    return {"id": page.code, "status_indicator": indicator, "status_description": description}


def meta(unsubscribe_url: str) -> dict:
    return {
        "unsubscribe": unsubscribe_url,
        "documentation": documentation_url(),
        "generated_at": iso(timezone.now()),
    }


def component(c: Component) -> dict:
    return {
        "status": c.status,
        "name": c.name,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "position": c.position,
        "description": c.description or None,
        "showcase": c.showcase,
        "start_date": c.start_date.isoformat() if c.start_date else None,
        "id": c.code,
        "page_id": c.page.code,
        "group_id": c.group.code if c.group_id else None,
        "group": False,
        "only_show_if_degraded": c.only_show_if_degraded,
    }


def _update(update, *, incident_code: str) -> dict:
    return {
        "status": update.status,
        "body": update.body,
        "created_at": iso(update.created_at),
        "wants_twitter_update": False,
        "twitter_updated_at": None,
        "updated_at": iso(update.updated_at),
        "display_at": iso(update.display_at),
        "affected_components": list(getattr(update, "affected_components", None) or []),
        "custom_tweet": None,
        "deliver_notifications": getattr(update, "notify_subscribers", True),
        "id": update.code,
        "incident_id": incident_code,
    }


def _postmortem_and_schedule() -> dict:
    return {
        "postmortem_ignored": False,
        "postmortem_body": None,
        "postmortem_body_last_updated_at": None,
        "postmortem_published_at": None,
        "postmortem_notified_subscribers": False,
        "postmortem_notified_twitter": False,
        "backfilled": False,
        "scheduled_for": None,
        "scheduled_until": None,
        "scheduled_remind_prior": False,
        "scheduled_reminded_at": None,
        "scheduled_auto_in_progress": False,
        "scheduled_auto_completed": False,
    }


def incident_part(incident: PublicIncident) -> dict:
    components = list(incident.components.select_related("page", "group"))
    updates = list(incident.updates.all())
    return {
        "name": incident.name,
        "status": incident.status,
        "created_at": iso(incident.published_at or incident.created_at),
        "updated_at": iso(incident.updated_at),
        "monitoring_at": iso(incident.monitoring_at),
        "resolved_at": iso(incident.resolved_at),
        "impact": impacts.impact(incident),
        "shortlink": links.incident_url(incident.page, incident.code),
        **_postmortem_and_schedule(),
        "impact_override": incident.impact_override or None,
        "id": incident.code,
        "page_id": incident.page.code,
        "incident_updates": [_update(u, incident_code=incident.code) for u in updates],
        "components": [component(c) for c in components],
    }


def maintenance_part(maintenance: Maintenance) -> dict:
    components = list(maintenance.components.select_related("page", "group"))
    now = timezone.now()
    completed = maintenance.status_at(now) == "completed"
    return {
        "name": maintenance.name,
        "status": maintenance.status_at(now),
        "created_at": iso(maintenance.created_at),
        "updated_at": iso(maintenance.updated_at),
        "monitoring_at": None,
        "resolved_at": iso(maintenance.completed_at or maintenance.scheduled_until)
        if completed
        else None,
        "impact": MAINTENANCE_IMPACT,
        "shortlink": links.maintenance_url(maintenance.page, maintenance.code),
        **_postmortem_and_schedule(),
        "scheduled_for": iso(maintenance.scheduled_for),
        "scheduled_until": iso(maintenance.scheduled_until),
        "scheduled_remind_prior": maintenance.remind_before is not None,
        "scheduled_reminded_at": iso(maintenance.reminded_at),
        "scheduled_auto_in_progress": True,
        "scheduled_auto_completed": True,
        "impact_override": None,
        "id": maintenance.code,
        "page_id": maintenance.page.code,
        "incident_updates": [
            _update(u, incident_code=maintenance.code) for u in maintenance.updates.all()
        ],
        "components": [component(c) for c in components],
    }


UNSUBSCRIBE_MARK = "@@tocsin-unsubscribe-link@@"


class Body:
    """One webhook body for many subscribers, built once; `to()` puts in each one's link."""

    def __init__(self, page: Page, **parts: dict):
        self.text = json.dumps(
            {"meta": meta(UNSUBSCRIBE_MARK), "page": page_part(page), **parts},
            ensure_ascii=False,
        )

    def to(self, subscriber) -> str:
        # The URL holds no character JSON escapes (it is ASCII, with no quote or backslash).
        return self.text.replace(UNSUBSCRIBE_MARK, links.unsubscribe_url(subscriber))


def incident_body(update: IncidentUpdate) -> Body:
    return Body(update.incident.page, incident=incident_part(update.incident))


def maintenance_body(maintenance: Maintenance, update: MaintenanceUpdate | None = None) -> Body:
    return Body(maintenance.page, incident=maintenance_part(maintenance))


def component_body(change: ComponentStatusChange, old_status: str) -> Body:
    """Statuspage's `component_update` webhook: the change, and the component as it is now."""
    c = change.component
    return Body(
        c.page,
        component_update={
            "created_at": iso(change.at),
            "new_status": change.status,
            "old_status": old_status,
            "id": str(change.pk),
            "component_id": c.code,
        },
        component=component(c),
    )
