"""Chat, independent of the chat: what an incident's message says, and what its buttons do.

The Telegram and Slack channels (`channels/telegram.py`, `channels/slack.py`) format an
`IncidentCard` their own way and map a button press back to `press(...)`. The card is rendered
from the database when the message is sent or edited, never from what was true when the
message was queued, so the message in the group always shows the incident as it is now.

Callback data is compact (Telegram allows 64 bytes): `"<action>:<incident id>"`, e.g. `ack:42`.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tocsin.accounts.models import ContactKind, ContactMethod, User
from tocsin.errors import DomainError
from tocsin.incidents import services as incidents
from tocsin.incidents.models import Incident, Status

ACKNOWLEDGE, RESOLVE = "ack", "res"
ACTIONS = {ACKNOWLEDGE: "acknowledge", RESOLVE: "resolve"}
RESOLVED_FROM_CHAT = "Resolved from chat"


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


def incident_url(incident: Incident) -> str:
    return settings.BASE_URL + reverse("incident-detail", args=[incident.pk])


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
    return IncidentCard(
        incident=incident,
        headline=f"{drill}[{incident.severity.key}] {incident.reference} {incident.title}",
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


# ---------------------------------------------------------------------------------------------
# Button presses


@dataclass
class Outcome:
    """What to tell the person who pressed the button (a short pop-up or ephemeral reply)."""

    ok: bool
    text: str
    incident: Incident | None = None


def user_for(kind: str, external_id: str, *, email: str = "") -> User | None:
    """The Tocsin user who linked this chat account (a verified link: anybody may type an id
    on their profile, so an unverified one says nothing about who pressed); else, for Slack, the
    person with the account's e-mail address."""
    method = (
        ContactMethod.objects.filter(
            kind=kind, address=str(external_id), verified=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if method is not None:
        return method.user
    return user_with_email(email) if email else None


def user_with_email(email: str) -> User | None:
    """The active person with this verified e-mail contact method, or this sign-in address."""
    method = (
        ContactMethod.objects.filter(
            kind=ContactKind.EMAIL,
            address__iexact=email,
            verified=True,
            user__is_active=True,
        )
        .select_related("user")
        .first()
    )
    if method is not None:
        return method.user
    return User.objects.filter(email__iexact=email, is_active=True).first()


def press(data: str, user: User | None, *, via: str) -> Outcome:
    """Carry out a button's action as `user`, through the same services as the web."""
    action, _, pk = (data or "").partition(":")
    if action not in ACTIONS or not pk.isdigit():
        return Outcome(False, "This button is not one of Tocsin's.")
    incident = Incident.objects.filter(pk=int(pk)).select_related("team").first()
    if incident is None:
        return Outcome(False, "That incident no longer exists.")
    if user is None:
        return Outcome(
            False,
            "Link your chat account to Tocsin first: open your profile in Tocsin and follow "
            "the instructions for linking.",
            incident,
        )
    try:
        if action == ACKNOWLEDGE:
            already = incident.acknowledged_by_id == user.pk and incident.is_open
            incident = incidents.acknowledge(incident=incident, by=user, via=via)
            text = (
                f"You already own {incident.reference}."
                if already
                else f"You own {incident.reference} now. Good luck!"
            )
        else:
            if not incident.is_open:
                return Outcome(True, f"{incident.reference} is already resolved.", incident)
            incident = incidents.resolve(
                incident=incident, by=user, via=via, resolution=RESOLVED_FROM_CHAT
            )
            text = f"{incident.reference} is resolved."
    except DomainError as error:
        return Outcome(False, _short(str(error)), incident)
    return Outcome(True, text, incident)


def _short(text: str, limit: int = 200) -> str:
    """Telegram's callback answers hold 200 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
