"""The page's JSON in the shape of Statuspage's public API v2 (summary.json, status.json …)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from .. import impact as impacts
from ..models import COMPONENT_STATUS_RANK, ComponentStatus


def iso(value, tz) -> str | None:
    """ISO 8601 with milliseconds and the page's offset, like "2014-05-14T14:22:40.301-06:00"."""
    if value is None:
        return None
    return value.astimezone(tz).isoformat(timespec="milliseconds")


def page_json(page, url, updated_at) -> dict:
    tz = ZoneInfo(page.time_zone)
    return {
        "id": page.code,
        "name": page.name,
        "url": url,
        "time_zone": page.time_zone,
        "updated_at": iso(updated_at, tz),
    }


def components_json(page, groups, components) -> list[dict]:
    tz = ZoneInfo(page.time_zone)
    out = []
    for g in groups:
        children = [c for c in components if c.group_id == g.pk]
        worst = max(
            (c.status for c in children),
            key=lambda s: COMPONENT_STATUS_RANK.get(s, 0),
            default=ComponentStatus.OPERATIONAL,
        )
        out.append(
            {
                "id": g.code,
                "name": g.name,
                "status": worst,
                "created_at": iso(g.created_at, tz),
                "updated_at": iso(g.updated_at, tz),
                "position": g.position,
                "description": g.description or None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": page.code,
                "group": True,
                "only_show_if_degraded": False,
                "components": [c.code for c in children],
            }
        )
    codes = {g.pk: g.code for g in groups}
    for c in components:
        out.append(
            {
                "id": c.code,
                "name": c.name,
                "status": c.status,
                "created_at": iso(c.created_at, tz),
                "updated_at": iso(c.updated_at, tz),
                "position": c.position,
                "description": c.description or None,
                "showcase": c.showcase,
                "start_date": c.start_date.isoformat() if c.start_date else None,
                "group_id": codes.get(c.group_id),
                "page_id": page.code,
                "group": False,
                "only_show_if_degraded": c.only_show_if_degraded,
            }
        )
    return out


def status_json(components, active_maintenance: bool) -> dict:
    indicator, description = impacts.indicator(
        [c.status for c in components], active_maintenance=active_maintenance
    )
    return {"indicator": indicator, "description": description}


impact = impacts.impact


def _component_short(c, page, tz) -> dict:
    return {
        "id": c.code,
        "name": c.name,
        "status": c.status,
        "created_at": iso(c.created_at, tz),
        "updated_at": iso(c.updated_at, tz),
        "position": c.position,
        "description": c.description or None,
        "showcase": c.showcase,
        "start_date": c.start_date.isoformat() if c.start_date else None,
        "group_id": c.group.code if c.group_id else None,
        "page_id": page.code,
        "group": False,
        "only_show_if_degraded": c.only_show_if_degraded,
    }


def incident_json(page, incident, url) -> dict:
    tz = ZoneInfo(page.time_zone)
    updates = sorted(incident.updates.all(), key=lambda u: u.display_at, reverse=True)
    return {
        "id": incident.code,
        "name": incident.name,
        "status": incident.status,
        "created_at": iso(incident.created_at, tz),
        "updated_at": iso(incident.updated_at, tz),
        "monitoring_at": iso(incident.monitoring_at, tz),
        "resolved_at": iso(incident.resolved_at, tz),
        "impact": impact(incident),
        "shortlink": f"{url}incidents/{incident.code}",
        "started_at": iso(incident.started_at, tz),
        "page_id": page.code,
        "incident_updates": [
            {
                "id": u.code,
                "status": u.status,
                "body": u.body,
                "incident_id": incident.code,
                "created_at": iso(u.created_at, tz),
                "updated_at": iso(u.updated_at, tz),
                "display_at": iso(u.display_at, tz),
                "affected_components": [
                    {
                        "code": a.get("code"),
                        "name": a.get("name"),
                        "old_status": a.get("old_status"),
                        "new_status": a.get("new_status"),
                    }
                    for a in (u.affected_components or [])
                ]
                or None,
                "deliver_notifications": u.notify_subscribers,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in updates
        ],
        "components": [
            _component_short(c, page, tz) for c in incident.components.all() if c.visible
        ],
    }


def maintenance_json(page, m, url, now) -> dict:
    tz = ZoneInfo(page.time_zone)
    updates = sorted(m.updates.all(), key=lambda u: u.display_at, reverse=True)
    return {
        "id": m.code,
        "name": m.name,
        "status": m.status_at(now),
        "created_at": iso(m.created_at, tz),
        "updated_at": iso(m.updated_at, tz),
        "monitoring_at": None,
        "resolved_at": iso(m.completed_at, tz),
        "impact": "maintenance",
        "shortlink": f"{url}maintenances/{m.code}",
        "started_at": iso(m.scheduled_for, tz),
        "page_id": page.code,
        "incident_updates": [
            {
                "id": u.code,
                "status": u.status,
                "body": u.body,
                "incident_id": m.code,
                "created_at": iso(u.created_at, tz),
                "updated_at": iso(u.updated_at, tz),
                "display_at": iso(u.display_at, tz),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in updates
        ],
        "components": [_component_short(c, page, tz) for c in m.components.all() if c.visible],
        "scheduled_for": iso(m.scheduled_for, tz),
        "scheduled_until": iso(m.scheduled_until, tz),
    }
