"""What a new post-mortem starts with: the template's sections, and from the incident its
summary, its impact, its timeline as lines (an excerpt to edit) and how it was resolved.

Sections are matched by title (case aside); a section the template names differently starts
empty. Times are written in UTC.
"""

from tocsin.incidents.models import Incident

from .defaults import DEFAULT_SECTIONS
from .models import PostmortemTemplate

UTC_MINUTE = "%Y-%m-%d %H:%M UTC"


def template_sections() -> list[tuple[str, str]]:
    """(title, guidance) of the template's sections, in order; the defaults if there is none."""
    template = PostmortemTemplate.objects.order_by("pk").first()
    if template is None:
        return list(DEFAULT_SECTIONS)
    return [(section.title, section.guidance) for section in template.sections.all()]


def summary(incident: Incident) -> str:
    lines = [f"{incident.reference} “{incident.title}”, {incident.severity}, {incident.team.name}."]
    if incident.description:
        lines += ["", incident.description]
    return "\n".join(lines)


def impact(incident: Incident) -> str:
    lines = []
    if incident.impact_who:
        lines.append(f"Who was impacted: {incident.impact_who}")
    if incident.impact_how:
        lines.append(f"How they were impacted: {incident.impact_how}")
    if incident.resolved_at:
        lines.append(
            f"Duration: {incident.reported_at:{UTC_MINUTE}} to {incident.resolved_at:{UTC_MINUTE}}"
        )
    return "\n\n".join(lines)


def timeline(incident: Incident) -> str:
    """The incident's timeline events, oldest first, one Markdown list item each."""
    lines = []
    for event in incident.timeline.order_by("at", "id"):
        message = " ".join(event.message.split())
        what = event.get_kind_display()
        lines.append(f"- {event.at:{UTC_MINUTE}} · {what} · {message} ({event.actor_name})")
    return "\n".join(lines)


def resolution(incident: Incident) -> str:
    return incident.resolution


PREFILL = {
    "summary": summary,
    "impact": impact,
    "timeline": timeline,
    "mitigation and resolution": resolution,
}


def prefilled_sections(incident: Incident) -> list[tuple[str, str, str]]:
    """(title, guidance, body) of a new post-mortem of `incident`."""
    return [
        (title, guidance, PREFILL[title.lower()](incident) if title.lower() in PREFILL else "")
        for title, guidance in template_sections()
    ]
