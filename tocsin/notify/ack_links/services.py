"""Acknowledge links: signed, expiring, single-use credentials to acknowledge one incident.

A link names one incident, one person and a random link id, signed with the site's secret key
(TimestampSigner, its own salt). It expires after TOCSIN_ACK_LINK_TTL_HOURS (24 h), and its id is
written to AcknowledgeLinkUse in the transaction that acknowledges, under a unique constraint,
so it works once even when two clicks race. Opening a link only shows a confirmation page;
the form's POST acts, because mail scanners open every link they see.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.errors import DomainError, PermissionDenied
from tocsin.incidents.models import Channel, Incident
from tocsin.incidents.services import acknowledge
from tocsin.notify.conf import ack_link_ttl, public_url

from .models import AcknowledgeLinkUse

SALT = "tocsin.notify.acknowledge-link"
OPEN_INSTEAD = "Open the incident in Tocsin to acknowledge it there."
USED = f"This acknowledge link has already been used; it works once. {OPEN_INSTEAD}"


class LinkRefused(DomainError):
    code = "link_refused"
    status = 400


class LinkInvalid(LinkRefused):
    code = "link_invalid"
    status = 400


class LinkExpired(LinkRefused):
    code = "link_expired"
    status = 410


class LinkUsed(LinkRefused):
    code = "link_used"
    status = 410


@dataclass(frozen=True)
class IssuedLink:
    id: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class AcknowledgeLink:
    id: str
    incident: Incident
    user: User


def issue_acknowledge_link(incident: Incident, user: User) -> IssuedLink:
    """A new link with which `user`, and only they, may acknowledge `incident`."""
    link_id = secrets.token_urlsafe(12)
    token = signing.dumps({"i": incident.pk, "u": user.pk, "l": link_id}, salt=SALT)
    return IssuedLink(
        id=link_id,
        url=public_url("ack-link", token),
        expires_at=timezone.now() + ack_link_ttl(),
    )


def _hours(ttl) -> str:
    hours = ttl.total_seconds() / 3600
    return f"{hours:g} hour{'' if hours == 1 else 's'}"


def read_acknowledge_link(token: str) -> AcknowledgeLink:
    """The link behind `token`, or LinkRefused saying why it cannot be used."""
    ttl = ack_link_ttl()
    try:
        payload = signing.loads(token, salt=SALT, max_age=ttl)
    except signing.SignatureExpired:
        raise LinkExpired(
            f"This acknowledge link has expired: links work for {_hours(ttl)} after the page "
            f"was sent. {OPEN_INSTEAD}"
        ) from None
    except signing.BadSignature:
        raise LinkInvalid(
            "This acknowledge link is not valid: it was cut short or changed on the way. "
            "Use the link exactly as it arrived, or open the incident in Tocsin."
        ) from None
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("i"), int)
        and isinstance(payload.get("u"), int)
        and isinstance(payload.get("l"), str)
    ):
        raise LinkInvalid(f"This acknowledge link is not one Tocsin made. {OPEN_INSTEAD}")
    if AcknowledgeLinkUse.objects.filter(link_id=payload["l"]).exists():
        raise LinkUsed(USED)
    incident = (
        Incident.objects.select_related("severity", "team", "acknowledged_by")
        .filter(pk=payload["i"])
        .first()
    )
    if incident is None:
        raise LinkExpired("The incident this link was for no longer exists.")
    user = User.objects.filter(pk=payload["u"]).first()
    if user is None:
        raise LinkExpired("The person this link was sent to no longer has an account.")
    return AcknowledgeLink(id=payload["l"], incident=incident, user=user)


def acknowledge_with_link(*, token: str) -> Incident:
    """Acknowledge as the person the link was sent to, via e-mail; the link is then used up.

    The acknowledge service decides whether they may (team members only); when it refuses,
    nothing is written and the link stays unused.
    """
    link = read_acknowledge_link(token)
    if not link.user.is_active:
        raise PermissionDenied(f"{link.user}'s account is deactivated")
    with transaction.atomic():
        try:
            with transaction.atomic():
                AcknowledgeLinkUse.objects.create(
                    link_id=link.id, incident=link.incident, user=link.user
                )
        except IntegrityError:
            # Another click of the same link won the race.
            raise LinkUsed(USED) from None
        return acknowledge(incident=link.incident, by=link.user, via=Channel.EMAIL)
