"""The eight answers of a situation report, from the incident's own data, and how they read.

`facts_of(incident)` returns plain JSON-able data (times in ISO 8601 UTC, durations in
seconds), stored with the report; `markdown_of(facts)` writes the report from them, so what the
report says and what the API answers never disagree.
"""

from datetime import UTC, datetime, timedelta

from tocsin.incidents.models import Incident, Role
from tocsin.incidents.templatetags.tocsin_ui import duration

NOT_RECORDED = "Not recorded."


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _seconds(value: timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


def _roles(incident: Incident) -> list[dict]:
    """Everyone who held a role, in the order they took it, with when they held it."""
    return [
        {
            "role": assignment.role,
            "role_label": Role(assignment.role).label,
            "person": str(assignment.user),
            "email": assignment.user.email,
            "from": _iso(assignment.assigned_at),
            "to": _iso(assignment.ended_at),
        }
        for assignment in incident.role_assignments.select_related("user").order_by(
            "assigned_at", "id"
        )
    ]


def facts_of(incident: Incident) -> dict:
    """What was reported, when reported and closed, how fast, who, the fix, and the impact."""
    return {
        "incident": {
            "reference": incident.reference,
            "title": incident.title,
            "description": incident.description,
            "severity": f"{incident.severity.key} {incident.severity.name}",
            "team": incident.team.name,
            "services": list(incident.services.order_by("name").values_list("name", flat=True)),
            "drill": incident.drill,
        },
        "reported_at": _iso(incident.reported_at),
        "reported_by": str(incident.reported_by) if incident.reported_by else None,
        "acknowledged_at": _iso(incident.acknowledged_at),
        "acknowledged_by": str(incident.acknowledged_by) if incident.acknowledged_by else None,
        "closed_at": _iso(incident.resolved_at),
        "resolved_by": str(incident.resolved_by) if incident.resolved_by else None,
        "response_seconds": _seconds(incident.time_to_acknowledge),
        "resolution_seconds": _seconds(incident.time_to_resolve),
        "roles": _roles(incident),
        "resolution": incident.resolution,
        "impact_who": incident.impact_who,
        "impact_how": incident.impact_how,
    }


def _when(iso: str | None) -> str:
    if not iso:
        return NOT_RECORDED
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


def _took(seconds: int | None, *, never: str) -> str:
    return duration(timedelta(seconds=seconds)) if seconds is not None else never


def _text(value: str) -> str:
    """People's text, kept as they wrote it; the renderer escapes any HTML in it."""
    return value.strip() or NOT_RECORDED


def _role_line(role: dict) -> str:
    until = f" to {_when(role['to'])}" if role["to"] else ""
    return f"- {role['role_label']}: {role['person']} (from {_when(role['from'])}{until})"


def markdown_of(facts: dict, *, generation: int) -> str:
    """The report as people read it, one section per question."""
    incident = facts["incident"]
    drill = "**This was a drill: a practice incident.**\n\n" if incident["drill"] else ""
    updated = f" (updated, version {generation})" if generation > 1 else ""
    reported = _when(facts["reported_at"])
    if facts["reported_by"]:
        reported += f", by {facts['reported_by']}"
    closed = _when(facts["closed_at"])
    if facts["resolved_by"]:
        closed += f", resolved by {facts['resolved_by']}"
    response = _took(facts["response_seconds"], never="Never acknowledged.")
    if facts["acknowledged_by"]:
        response += f" (acknowledged by {facts['acknowledged_by']})"
    roles = "\n".join(_role_line(role) for role in facts["roles"]) or "Nobody held a role."
    services = ", ".join(incident["services"]) or "none named"
    description = f"\n\n{incident['description'].strip()}" if incident["description"] else ""
    return (
        f"# Situation report: {incident['reference']} {incident['title']}{updated}\n\n"
        f"{drill}"
        f"## What was reported\n\n"
        f"{incident['severity']} for {incident['team']} (services: {services})."
        f"{description}\n\n"
        f"## Reported at\n\n{reported}\n\n"
        f"## Closed at\n\n{closed}\n\n"
        f"## Response time\n\n{response}\n\n"
        f"## Resolution time\n\n{_took(facts['resolution_seconds'], never=NOT_RECORDED)}\n\n"
        f"## Who held which role\n\n{roles}\n\n"
        f"## The solution\n\n{_text(facts['resolution'])}\n\n"
        f"## Who was impacted\n\n{_text(facts['impact_who'])}\n\n"
        f"## How they were impacted\n\n{_text(facts['impact_how'])}\n"
    )
