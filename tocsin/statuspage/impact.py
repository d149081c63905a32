"""What component statuses add up to, said once: an incident's impact (none, minor, major,
critical) and a page's indicator with Statuspage's description of it."""

from __future__ import annotations

from .models import COMPONENT_STATUS_RANK, ComponentStatus, Impact, IncidentStatus

IMPACT_OF_STATUS = {
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}
INDICATOR_OF_STATUS = {
    ComponentStatus.DEGRADED_PERFORMANCE: "minor",
    ComponentStatus.PARTIAL_OUTAGE: "major",
    ComponentStatus.MAJOR_OUTAGE: "critical",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance",
}
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}


def worst(statuses) -> str | None:
    """The worst of the component statuses given (None when there is none)."""
    known = [s for s in statuses if s in ComponentStatus.values]
    if not known:
        return None
    return max(known, key=lambda s: COMPONENT_STATUS_RANK[ComponentStatus(s)])


def impact(public_incident) -> str:
    """The override if set; else from its components: the worst status they are in now (while
    it is unresolved) or the worst its updates set (once resolved). Degraded performance is
    minor, a partial outage major, a major outage critical."""
    if public_incident.impact_override:
        return public_incident.impact_override
    if public_incident.status == IncidentStatus.RESOLVED:
        statuses = [
            entry.get("new_status")
            for update in public_incident.updates.all()
            for entry in update.affected_components or []
        ]
    else:
        statuses = [component.status for component in public_incident.components.all()]
    return IMPACT_OF_STATUS.get(worst(statuses), Impact.NONE)


def indicator(statuses, *, active_maintenance: bool = False) -> tuple[str, str]:
    """The page's indicator and its description from its components' statuses; a maintenance
    in progress on an otherwise operational page is "maintenance"."""
    found = INDICATOR_OF_STATUS.get(worst(statuses), "none")
    if found == "none" and active_maintenance:
        found = "maintenance"
    return found, DESCRIPTIONS[found]
