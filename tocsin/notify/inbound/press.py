"""A button pressed on an incident's chat message, whichever chat it came from: who pressed it,
and doing what it says as that person, through the same services as the web.

The Telegram and Slack handlers (`telegram.py`, `slack.py`) verify and parse the request, find
the person, call `press(...)` and tell them the `Outcome`; the incident's messages are then
edited through the outbox, like after any other change.
"""

from dataclasses import dataclass

from tocsin.accounts.models import ContactKind, ContactMethod, User
from tocsin.errors import DomainError
from tocsin.incidents import services as incidents
from tocsin.incidents.models import Incident
from tocsin.notify.chat_cards.card import ACKNOWLEDGE, ACTIONS, shorten
from tocsin.validation import whole_number

RESOLVED_FROM_CHAT = "Resolved from chat"
ANSWER_LIMIT = 200  # characters in Telegram's answer to a callback query


@dataclass
class Outcome:
    """What to tell the person who pressed the button (a short pop-up or ephemeral reply)."""

    ok: bool
    text: str
    incident: Incident | None = None


def _verified_owner(**lookup) -> User | None:
    """The active person with a verified contact method matching `lookup`."""
    method = (
        ContactMethod.objects.filter(verified=True, user__is_active=True, **lookup)
        .select_related("user")
        .first()
    )
    return method.user if method is not None else None


def user_for(kind: str, external_id: str, *, email: str = "") -> User | None:
    """The Tocsin user who linked this chat account (a verified link: anybody may type an id
    on their profile, so an unverified one says nothing about who pressed); else, for Slack, the
    person with the account's e-mail address."""
    user = _verified_owner(kind=kind, address=str(external_id))
    if user is not None:
        return user
    return user_with_email(email) if email else None


def user_with_email(email: str) -> User | None:
    """The active person with this verified e-mail contact method, or this sign-in address."""
    user = _verified_owner(kind=ContactKind.EMAIL, address__iexact=email)
    if user is not None:
        return user
    return User.objects.filter(email__iexact=email, is_active=True).first()


def press(data: str, user: User | None, *, via: str) -> Outcome:
    """Carry out a button's action as `user`, through the same services as the web."""
    action, _, pk = (data or "").partition(":")
    number = whole_number(pk)
    if action not in ACTIONS or number is None:
        return Outcome(False, "This button is not one of Tocsin's.")
    incident = Incident.objects.filter(pk=number).select_related("team").first()
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
        return Outcome(False, shorten(str(error), ANSWER_LIMIT), incident)
    return Outcome(True, text, incident)
