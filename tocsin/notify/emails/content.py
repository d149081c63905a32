"""What Tocsin's e-mails say: each function returns (subject, text, html) for one e-mail."""

import zoneinfo
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.incidents.models import Incident
from tocsin.incidents.templatetags.tocsin_ui import badge_colours, safe_colour
from tocsin.notify.ack_links.services import issue_acknowledge_link
from tocsin.notify.conf import incident_url
from tocsin.text import without_bidi_controls
from tocsin.zones import zone_of


def _when(value: datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    """A time in the recipient's zone, which it names: "Thu 15 Jan 2026, 11:30 EST
    (America/New_York)"; the team's list has no one zone and reads UTC."""
    if value is None:
        return ""
    shown = timezone.localtime(value, zone).strftime("%a %d %b %Y, %H:%M %Z")
    return shown if zone.key == "UTC" else f"{shown} ({zone.key})"


def _subject(incident: Incident, prefix: str = "") -> str:
    drill = "[DRILL] " if incident.drill else ""
    title = " ".join(without_bidi_controls(incident.title).split())
    return f"{drill}{prefix}[{incident.severity.key}] {incident.reference} {title}"[:255]


def _context(incident: Incident, *, zone: zoneinfo.ZoneInfo) -> dict:
    background, text = badge_colours(safe_colour(incident.severity.color))
    return {
        "incident": incident,
        "severity": incident.severity,
        "severity_bg": background,
        "severity_fg": text,
        "team": incident.team,
        "services": ", ".join(incident.services.values_list("name", flat=True)),
        "incident_url": incident_url(incident),
        "reported_at": _when(incident.reported_at, zone),
    }


def _render(name: str, context: dict) -> tuple[str, str]:
    return (
        render_to_string(f"notify/email/{name}.txt", context).strip() + "\n",
        render_to_string(f"notify/email/{name}.html", context),
    )


def page_email(incident: Incident, recipient: User, *, reason: str) -> tuple[str, str, str]:
    """The page: what is burning, why this person, and an Acknowledge button only they can use."""
    zone = zone_of(recipient)
    link = issue_acknowledge_link(incident, recipient)
    context = _context(incident, zone=zone) | {
        "recipient": recipient,
        "reason": reason,
        "ack_url": link.url,
        "ack_expires_at": _when(link.expires_at, zone),
        "preheader": f"Why you: {reason}",
        "footer": f"Tocsin paged {recipient} for {incident.reference}.",
    }
    return (_subject(incident), *_render("page", context))


def team_notification_email(incident: Incident, *, reason: str = "") -> tuple[str, str, str]:
    """For the team's list: a new incident that pages no one."""
    context = _context(incident, zone=zone_of(None)) | {
        "reason": reason,
        "preheader": f"A new incident for {incident.team.name}. {reason}".strip(),
        "footer": f"Sent to the {incident.team.name} list by Tocsin.",
    }
    return (_subject(incident), *_render("team_notification", context))


def resolution_email(incident: Incident) -> tuple[str, str, str]:
    """For the team's list: who resolved the incident, when, and how."""
    zone = zone_of(None)
    context = _context(incident, zone=zone) | {
        "resolved_by": incident.resolved_by,
        "resolved_at": _when(incident.resolved_at, zone),
        "time_to_resolve": incident.time_to_resolve,
        "acknowledged_by": incident.acknowledged_by,
        "resolution": incident.resolution,
        "preheader": f"Resolved by {incident.resolved_by or 'Tocsin'}: {incident.resolution}",
        "footer": f"Sent to the {incident.team.name} list by Tocsin.",
    }
    return (_subject(incident, prefix="Resolved: "), *_render("resolution", context))


def change_email(incident: Incident, event) -> tuple[str, str, str]:
    """For the team's list: the incident was reopened or cancelled, by whom and why."""
    zone = zone_of(None)
    verb = event.get_kind_display()
    context = _context(incident, zone=zone) | {
        "verb": verb,
        "actor": event.actor_name,
        "changed_at": _when(event.at, zone),
        "what": event.message,
        "preheader": f"{verb} by {event.actor_name}: {event.message}",
        "footer": f"Sent to the {incident.team.name} list by Tocsin.",
    }
    return (_subject(incident, prefix=f"{verb}: "), *_render("change", context))
