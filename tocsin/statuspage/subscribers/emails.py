"""What the status page's e-mails say: each has a text and an HTML body, and the updates carry a
one-click unsubscribe link (also as RFC 8058's List-Unsubscribe headers).

An update goes to thousands of subscribers at once, so its e-mail is rendered once (`Letter`)
with markers where each subscriber's own links go, and `Letter.to(subscriber)` only puts the
links in. Names and bodies are people's writing: the HTML is escaped by the templates and an
update's Markdown body is rendered sanitised (tocsin/statuspage/markdown.py); the text body
is the Markdown source, which reads as text.
"""

import html
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from tocsin.text import without_bidi_controls

from .. import markdown
from ..models import (
    ComponentStatus,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
    MaintenanceUpdate,
    Page,
    Subscriber,
)
from . import links

MANAGE_MARK = "@@tocsin-manage-link@@"
UNSUBSCRIBE_MARK = "@@tocsin-unsubscribe-link@@"

MAINTENANCE_SUBJECTS = {
    "scheduled": "Scheduled maintenance",
    "reminder": "Reminder: maintenance soon",
    "started": "Maintenance in progress",
    "completed": "Maintenance completed",
    "updated": "Maintenance update",
}
MAINTENANCE_WHAT = tuple(MAINTENANCE_SUBJECTS)


def _one_line(text: str) -> str:
    return " ".join(without_bidi_controls(text or "").split())


def _zone(page: Page) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(page.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def when(value: datetime | None, page: Page) -> str:
    """ "Sun 06 Dec 2026, 02:00 CET", in the page's time zone."""
    if value is None:
        return ""
    return timezone.localtime(value, _zone(page)).strftime("%a %d %b %Y, %H:%M %Z")


def _render(name: str, context: dict) -> tuple[str, str]:
    return (
        render_to_string(f"statuspage/email/{name}.txt", context).strip() + "\n",
        render_to_string(f"statuspage/email/{name}.html", context),
    )


def unsubscribe_headers(subscriber: Subscriber) -> dict[str, str]:
    """RFC 8058: a mail client's "Unsubscribe" button POSTs to the link, no page to read."""
    return {
        "List-Unsubscribe": f"<{links.unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@dataclass(frozen=True)
class Letter:
    """One e-mail for many subscribers, rendered once; `to()` adds each one's links."""

    subject: str
    text: str
    html: str

    def to(self, subscriber: Subscriber) -> tuple[str, str, dict[str, str]]:
        manage, unsubscribe = links.manage_url(subscriber), links.unsubscribe_url(subscriber)
        text = self.text.replace(MANAGE_MARK, manage).replace(UNSUBSCRIBE_MARK, unsubscribe)
        body_html = self.html.replace(MANAGE_MARK, html.escape(manage)).replace(
            UNSUBSCRIBE_MARK, html.escape(unsubscribe)
        )
        return text, body_html, unsubscribe_headers(subscriber)


def _base(page: Page) -> dict:
    return {
        "page": page,
        "page_url": links.page_url(page),
        "manage_url": MANAGE_MARK,
        "unsubscribe_url": UNSUBSCRIBE_MARK,
    }


def _component_changes(update: IncidentUpdate) -> list[dict]:
    labels = dict(ComponentStatus.choices)
    return [
        {
            "name": change.get("name", ""),
            "old": labels.get(change.get("old_status"), change.get("old_status") or ""),
            "new": labels.get(change.get("new_status"), change.get("new_status") or ""),
        }
        for change in update.affected_components or []
        if isinstance(change, dict)
    ]


def incident_update_letter(update: IncidentUpdate) -> Letter:
    incident = update.incident
    page = incident.page
    status = dict(IncidentStatus.choices).get(update.status, update.status)
    context = _base(page) | {
        "incident": incident,
        "update": update,
        "status": status,
        "body_text": markdown.plain(update.body),
        "body_html": mark_safe(markdown.render(update.body)),
        "changes": _component_changes(update),
        "components": [c.name for c in incident.components.all()],
        "at": when(update.display_at, page),
        "incident_url": links.incident_url(page, incident.code),
        "preheader": f"{status}: {_one_line(markdown.plain(update.body))[:120]}",
    }
    subject = f"[{_one_line(page.name)}] {_one_line(incident.name)}: {status}"
    return Letter(subject[:255], *_render("update", context))


def maintenance_letter(
    maintenance: Maintenance, *, what: str, update: MaintenanceUpdate | None = None
) -> Letter:
    if what not in MAINTENANCE_SUBJECTS:
        raise ValueError(f"unknown maintenance notice {what!r}; use one of {MAINTENANCE_WHAT}")
    page = maintenance.page
    status = maintenance.status_at(timezone.now())
    body = update.body if update is not None else ""
    context = _base(page) | {
        "maintenance": maintenance,
        "what": MAINTENANCE_SUBJECTS[what],
        "status": dict(MaintenanceStatus.choices).get(status, status),
        "body_text": markdown.plain(body),
        "body_html": mark_safe(markdown.render(body)) if body else "",
        "components": [c.name for c in maintenance.components.all()],
        "starts": when(maintenance.scheduled_for, page),
        "ends": when(maintenance.scheduled_until, page),
        "maintenance_url": links.maintenance_url(page, maintenance.code),
        "preheader": f"{MAINTENANCE_SUBJECTS[what]}: {when(maintenance.scheduled_for, page)}",
    }
    subject = (
        f"[{_one_line(page.name)}] {MAINTENANCE_SUBJECTS[what]}: {_one_line(maintenance.name)}"
    )
    return Letter(subject[:255], *_render("maintenance", context))


def confirmation_email(subscriber: Subscriber) -> tuple[str, str, str]:
    """The double opt-in: nothing is sent to the address until its link is followed."""
    page = subscriber.page
    context = {
        "page": page,
        "page_url": links.page_url(page),
        "confirm_url": links.confirm_url(subscriber),
        "hours": round(links.CONFIRM_MAX_AGE.total_seconds() / 3600),
        "components": [c.name for c in subscriber.components.all()],
        "preheader": "Confirm your subscription",
    }
    subject = f"[{_one_line(page.name)}] Confirm your subscription"
    return (subject, *_render("confirm", context))


def already_subscribed_email(subscriber: Subscriber) -> tuple[str, str, str]:
    """For an address that is already confirmed: its manage link, nothing changed."""
    page = subscriber.page
    context = {
        "page": page,
        "page_url": links.page_url(page),
        "manage_url": links.manage_url(subscriber),
        "unsubscribe_url": links.unsubscribe_url(subscriber),
        "components": [c.name for c in subscriber.components.all()],
        "preheader": "You are already subscribed",
    }
    subject = f"[{_one_line(page.name)}] Your subscription"
    return (subject, *_render("already_subscribed", context))
