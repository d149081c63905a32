"""What a new post-mortem starts with: the template's sections, filled in from the situation
report's facts (when and by whom it was reported, acknowledged and closed, how long that took,
who held which role, the resolution, who was impacted and how) and an excerpt of the timeline.

The facts are the resolved incident's situation report's, so the post-mortem and the report
never disagree; an incident that is not resolved (a post-mortem started by hand before, or
after a reopen) has no report that describes it, and is described from its own data as it
stands. Sections are matched by title (case aside); a section the template names differently
starts empty. Times are written in UTC.
"""

from datetime import UTC, datetime, timedelta

from tocsin.incidents.models import Event, Incident, Status
from tocsin.incidents.templatetags.tocsin_ui import duration

from ..situation.facts import facts_of
from ..situation.models import SituationReport
from .defaults import DEFAULT_SECTIONS
from .models import PostmortemTemplate

UTC_MINUTE = "%Y-%m-%d %H:%M UTC"

# The timeline excerpt: what people did and what changed, not the machinery around it (pages
# and their deliveries, escalation steps, the alerts' own events, detail edits, the situation
# report and the post-mortem themselves).
MEANINGFUL_EVENTS = (
    Event.CREATED,
    Event.ACKNOWLEDGED,
    Event.STATUS_CHANGED,
    Event.SEVERITY_CHANGED,
    Event.ASSIGNED,
    Event.ROLE_ASSIGNED,
    Event.ROLE_REMOVED,
    Event.NOTE,
    Event.RETRIGGERED,
    Event.CHANGE,
    Event.PUBLIC_UPDATE,
    Event.RUNBOOK_STEP,
    Event.RESOLVED,
    Event.REOPENED,
    Event.CANCELLED,
)


def template_sections() -> list[tuple[str, str]]:
    """(title, guidance) of the template's sections, in order; the defaults if there is none."""
    template = PostmortemTemplate.objects.order_by("pk").first()
    if template is None:
        return list(DEFAULT_SECTIONS)
    return [(section.title, section.guidance) for section in template.sections.all()]


def facts_for(incident: Incident) -> dict:
    """The resolved incident's situation report's facts; else the incident's as they stand."""
    if incident.status == Status.RESOLVED:
        report = SituationReport.objects.filter(incident=incident).first()
        if report is not None and report.facts:
            return report.facts
    return facts_of(incident)


def _when(iso: str | None) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(UTC):{UTC_MINUTE}}"


def _took(seconds: int | None) -> str:
    return duration(timedelta(seconds=seconds))


def _fact_lines(facts: dict) -> list[str]:
    reported = f"- Reported at: {_when(facts['reported_at'])}"
    if facts["reported_by"]:
        reported += f", by {facts['reported_by']}"
    if facts["acknowledged_at"]:
        acknowledged = f"- Acknowledged at: {_when(facts['acknowledged_at'])}"
        if facts["acknowledged_by"]:
            acknowledged += f", by {facts['acknowledged_by']}"
        acknowledged += f" (response time {_took(facts['response_seconds'])})"
    else:
        acknowledged = "- Acknowledged at: never acknowledged"
    if facts["closed_at"]:
        closed = f"- Closed at: {_when(facts['closed_at'])}"
        if facts["resolved_by"]:
            closed += f", resolved by {facts['resolved_by']}"
        closed += f" (resolution time {_took(facts['resolution_seconds'])})"
    else:
        closed = "- Closed at: not resolved yet"
    return [reported, acknowledged, closed]


def _role_line(role: dict) -> str:
    until = f" to {_when(role['to'])}" if role["to"] else ""
    return f"- {role['role_label']}: {role['person']} (from {_when(role['from'])}{until})"


def summary(facts: dict, incident: Incident) -> str:
    what = facts["incident"]
    services = f" (services: {', '.join(what['services'])})" if what["services"] else ""
    lines = [
        f"{what['reference']} “{what['title']}”, {what['severity']}, {what['team']}{services}."
    ]
    if what["drill"]:
        lines += ["", "This was a drill: a practice incident."]
    if what["description"]:
        lines += ["", what["description"]]
    lines += ["", *_fact_lines(facts)]
    if facts["roles"]:
        lines += ["", "Who held which role:", "", *map(_role_line, facts["roles"])]
    return "\n".join(lines)


def impact(facts: dict, incident: Incident) -> str:
    lines = []
    if facts["impact_who"]:
        lines.append(f"Who was impacted: {facts['impact_who']}")
    if facts["impact_how"]:
        lines.append(f"How they were impacted: {facts['impact_how']}")
    if facts["closed_at"]:
        lines.append(
            f"Duration: {_when(facts['reported_at'])} to {_when(facts['closed_at'])}"
            f" ({_took(facts['resolution_seconds'])})"
        )
    return "\n\n".join(lines)


def timeline(facts: dict, incident: Incident) -> str:
    """The meaningful events of the incident's timeline, oldest first, one list item each."""
    lines = []
    for event in incident.timeline.filter(kind__in=MEANINGFUL_EVENTS).order_by("at", "id"):
        message = " ".join(event.message.split())
        what = event.get_kind_display()
        lines.append(f"- {event.at:{UTC_MINUTE}} · {what} · {message} ({event.actor_name})")
    return "\n".join(lines)


def resolution(facts: dict, incident: Incident) -> str:
    return facts["resolution"]


PREFILL = {
    "summary": summary,
    "impact": impact,
    "timeline": timeline,
    "mitigation and resolution": resolution,
}


def prefilled_sections(incident: Incident) -> list[tuple[str, str, str]]:
    """(title, guidance, body) of a new post-mortem of `incident`."""
    facts = facts_for(incident)
    return [
        (
            title,
            guidance,
            PREFILL[title.lower()](facts, incident) if title.lower() in PREFILL else "",
        )
        for title, guidance in template_sections()
    ]
