"""A post-mortem as one Markdown document: YAML front matter (incident, severity, dates,
authors, reviewers), then each section under its own heading. The file that is published and
the file that is downloaded are the same text."""

import json
from datetime import UTC, date, datetime

from django.utils.text import slugify

from . import selectors
from .models import Postmortem

EMPTY = "_Nothing written._"


def slug(postmortem: Postmortem) -> str:
    """`inc-<n>-<title words>`: the file's name and the branch's."""
    words = slugify(postmortem.incident.title)[:50].strip("-") or "incident"
    return f"inc-{postmortem.incident.pk}-{words}"


def filename(postmortem: Postmortem) -> str:
    return f"{slug(postmortem)}.md"


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    # A JSON string is a YAML string: quoted, every character escaped that needs it.
    return json.dumps(str(value), ensure_ascii=False)


def _person(user) -> str:
    return f"{user} <{user.email}>"


def front_matter(postmortem: Postmortem) -> str:
    incident = postmortem.incident
    fields = {
        "incident": incident.reference,
        "title": incident.title,
        "severity": incident.severity.key,
        "team": incident.team.name,
        "status": postmortem.status,
        "reported_at": incident.reported_at,
        "resolved_at": incident.resolved_at,
        "due_on": postmortem.due_on,
        "published_at": postmortem.published_at,
    }
    lines = ["---", *(f"{key}: {_scalar(value)}" for key, value in fields.items())]
    people = {
        "authors": [postmortem.author] if postmortem.author else [],
        "reviewers": selectors.reviewers(postmortem),
        "approved_by": selectors.approvers(postmortem),
    }
    for key, users in people.items():
        if not users:
            lines.append(f"{key}: []")
            continue
        lines.append(f"{key}:")
        lines += [f"  - {_scalar(_person(user))}" for user in users]
    lines.append("---")
    return "\n".join(lines)


def markdown(postmortem: Postmortem) -> str:
    incident = postmortem.incident
    parts = [front_matter(postmortem), "", f"# Post-mortem: {incident.reference} {incident.title}"]
    for section in postmortem.sections.all():
        parts += ["", f"## {section.title}", "", section.body.strip() or EMPTY]
    return "\n".join(parts) + "\n"
