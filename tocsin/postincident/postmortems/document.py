"""A post-mortem as one Markdown document: YAML front matter (incident, severity, dates,
authors, reviewers), then each section under its own heading, the incident's action items as a
table under "Action items". The file that is published and the file that is downloaded are the
same text."""

import json
from datetime import UTC, date, datetime

from django.utils.text import slugify

from tocsin.postincident.actions.models import ActionItem, ActionStatus

from . import selectors
from .models import Postmortem

EMPTY = "_Nothing written._"
ACTION_ITEMS = "Action items"
NO_LINK = "—"
# Characters that would end a table cell or start inline Markdown of their own.
_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\|*_`[]<>~#"})


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


def _cell(text: str) -> str:
    """Text of people's as one table cell: on one line, its Markdown shown as written."""
    return " ".join(str(text).split()).translate(_MARKDOWN)


def _url(url: str) -> str:
    """An http(s) address as an autolink's inside: what would end it or the cell, encoded."""
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _status(item: ActionItem) -> str:
    if item.status == ActionStatus.DONE and item.done_at:
        return f"Done on {item.done_at.astimezone(UTC):%Y-%m-%d}"
    if item.status == ActionStatus.WONT_DO:
        return f"Won't do: {_cell(item.wont_do_reason)}"
    return item.get_status_display()


def action_items(postmortem: Postmortem) -> str:
    """The incident's action items as a Markdown table, soonest due first."""
    items = ActionItem.objects.filter(incident_id=postmortem.incident_id).select_related("owner")
    rows = [
        "| Kind | Title | Owner | Priority | Due | Status | Link |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in items.order_by("due_on", "id"):
        link = f"<{_url(item.external_url)}>" if item.external_url else NO_LINK
        rows.append(
            f"| {item.get_kind_display()} | {_cell(item.title)} | {_cell(item.owner)} "
            f"| {item.get_priority_display()} | {item.due_on.isoformat()} | {_status(item)} "
            f"| {link} |"
        )
    if len(rows) > 2:
        return "\n".join(rows)
    if postmortem.no_action_items_reason:
        return f"No action items: {postmortem.no_action_items_reason.strip()}"
    return "_No action items._"


def markdown(postmortem: Postmortem) -> str:
    incident = postmortem.incident
    parts = [front_matter(postmortem), "", f"# Post-mortem: {incident.reference} {incident.title}"]
    listed = False
    for section in postmortem.sections.all():
        body = section.body.strip() or EMPTY
        if not listed and section.title.casefold() == ACTION_ITEMS.casefold():
            body, listed = f"{body}\n\n{action_items(postmortem)}", True
        parts += ["", f"## {section.title}", "", body]
    if not listed:  # a template without the section: the list still goes into the file
        parts += ["", f"## {ACTION_ITEMS}", "", action_items(postmortem)]
    return "\n".join(parts) + "\n"
