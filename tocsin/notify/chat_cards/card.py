"""What an incident's chat message says, whatever the chat: the card and its buttons.

The Telegram and Slack channels (`channels/telegram.py`, `channels/slack.py`) format an
`IncidentCard` their own way. The card is rendered from the database when the message is sent or
edited, never from what was true when the message was queued, so the message in the group always
shows the incident as it is now. A press of its buttons comes back through `inbound/press.py`.

Callback data is compact (Telegram allows 64 bytes): `"<action>:<incident id>"`, e.g. `ack:42`.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone

from tocsin.incidents.models import Incident, Status
from tocsin.notify.conf import incident_url
from tocsin.text import without_bidi_controls

ACKNOWLEDGE, RESOLVE = "ack", "res"
ACTIONS = {ACKNOWLEDGE: "acknowledge", RESOLVE: "resolve"}


@dataclass
class Button:
    label: str
    action: str = ""  # callback data, e.g. "ack:42"; empty for a link
    url: str = ""


@dataclass
class IncidentCard:
    """Everything a chat message about an incident shows, as plain parts."""

    incident: Incident
    headline: str  # "[P1] INC-42 Checkout returns 502"
    lines: list[tuple[str, str]]  # ("Status", "Working: Bob Okafor since 10:02 UTC") …
    buttons: list[Button] = field(default_factory=list)
    reason: str = ""  # for a personal page: why you

    @property
    def text(self) -> str:
        """The card as plain text (for logs, notifications and clients without formatting)."""
        body = [self.headline] + [f"{name}: {value}" for name, value in self.lines]
        if self.reason:
            body.append(f"Why you: {self.reason}")
        return "\n".join(body)


def _when(instant: datetime | None) -> str:
    return timezone.localtime(instant, UTC).strftime("%H:%M UTC") if instant else ""


def _status(incident: Incident) -> str:
    label = incident.get_status_display()
    if incident.status == Status.RESOLVED:
        by = f" by {incident.resolved_by}" if incident.resolved_by else ""
        return f"{label}{by} at {_when(incident.resolved_at)}"
    if incident.status == Status.CANCELLED:
        return f"{label} at {_when(incident.cancelled_at)}"
    if incident.acknowledged_by is not None:
        return (
            f"{label}: {incident.acknowledged_by} acknowledged at {_when(incident.acknowledged_at)}"
        )
    return label


def card(incident: Incident, *, reason: str = "") -> IncidentCard:
    """The incident as it is now, with the buttons that make sense now."""
    incident = Incident.objects.select_related(
        "severity", "team", "acknowledged_by", "resolved_by"
    ).get(pk=incident.pk)
    drill = "[DRILL] " if incident.drill else ""
    lines = [("Severity", str(incident.severity)), ("Team", incident.team.name)]
    services = ", ".join(incident.services.values_list("name", flat=True))
    if services:
        lines.append(("Service", services))
    lines.append(("Status", _status(incident)))
    if incident.status == Status.RESOLVED and incident.resolution:
        lines.append(("Resolution", incident.resolution))
    buttons = []
    if incident.is_open:
        if incident.acknowledged_by is None:
            buttons.append(Button("I'll fix it", action=f"{ACKNOWLEDGE}:{incident.pk}"))
        buttons.append(Button("Resolve", action=f"{RESOLVE}:{incident.pk}"))
    buttons.append(Button("Open", url=incident_url(incident)))
    title = without_bidi_controls(incident.title)
    return IncidentCard(
        incident=incident,
        headline=f"{drill}[{incident.severity.key}] {incident.reference} {title}",
        lines=lines,
        buttons=buttons,
        reason=reason,
    )


def resolution_notice(incident: Incident) -> str:
    """The line posted in the team's chat when an incident is resolved."""
    by = incident.resolved_by or "Tocsin"
    text = f"{incident.reference} resolved by {by} at {_when(incident.resolved_at)}"
    if incident.resolution:
        text += f": {incident.resolution}"
    return text


def shorten(text: str, limit: int) -> str:
    """`text` cut to a chat's limit of `limit` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
