"""Signed links a subscriber gets: confirm the subscription, manage it, unsubscribe.

A token is the subscriber's public code and its `link_version`, signed with Django's
TimestampSigner under a salt for each purpose, so a manage token never confirms and a confirm
token never unsubscribes. Bumping `link_version` kills every link sent so far. Confirmation
links expire (CONFIRM_MAX_AGE); manage and unsubscribe links work as long as the subscription
does, so an unsubscribe link in an old e-mail still works. Nothing is stored: the signature
is checked against the instance secret.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tocsin.errors import DomainError, NotFound

from ..models import Page, Subscriber

CONFIRM_MAX_AGE = timedelta(hours=48)

CONFIRM = "confirm"
MANAGE = "manage"
UNSUBSCRIBE = "unsubscribe"
PURPOSES = (CONFIRM, MANAGE, UNSUBSCRIBE)
MAX_AGE = {CONFIRM: CONFIRM_MAX_AGE, MANAGE: None, UNSUBSCRIBE: None}


class LinkInvalid(DomainError):
    code = "link_invalid"
    status = 400


class LinkExpired(DomainError):
    code = "link_expired"
    status = 410


class LinkUsed(DomainError):
    code = "link_used"
    status = 409


def _signer(purpose: str) -> signing.TimestampSigner:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return signing.TimestampSigner(salt=f"tocsin.statuspage.subscribers.{purpose}")


def token_for(subscriber: Subscriber, purpose: str) -> str:
    return _signer(purpose).sign(f"{subscriber.code}.{subscriber.link_version}")


def read(token: str, purpose: str) -> Subscriber:
    """The subscriber a token is for; LinkInvalid, LinkExpired or NotFound with a clear reason."""
    signer = _signer(purpose)
    max_age = MAX_AGE[purpose]
    try:
        value = signer.unsign(token or "", max_age=max_age)
    except signing.SignatureExpired:
        hours = round(max_age.total_seconds() / 3600)
        raise LinkExpired(
            f"this link expired: it worked for {hours} hours; subscribe again to get a new one"
        ) from None
    except signing.BadSignature:
        raise LinkInvalid(
            "this link is not valid: it may have been cut short or changed; "
            "copy the whole link from the e-mail"
        ) from None
    code, _, version = value.partition(".")
    subscriber = Subscriber.objects.select_related("page").filter(code=code).first()
    if subscriber is None:
        raise NotFound("this subscription no longer exists: it was cancelled")
    if str(subscriber.link_version) != version:
        raise LinkInvalid(
            "this link was replaced by a newer one; use the link in the latest e-mail"
        )
    return subscriber


def absolute(path: str) -> str:
    """TOCSIN_BASE_URL + path: the address people outside reach Tocsin at."""
    return settings.BASE_URL + path


def _named(name: str, page: Page, **kwargs) -> str:
    if page.is_default:
        return reverse(f"statuspage-{name}", kwargs=kwargs)
    return reverse(f"statuspage-page-{name}", kwargs={"slug": page.slug, **kwargs})


def confirm_url(subscriber: Subscriber) -> str:
    return absolute(_named("confirm", subscriber.page, token=token_for(subscriber, CONFIRM)))


def manage_url(subscriber: Subscriber) -> str:
    return absolute(_named("subscription", subscriber.page, token=token_for(subscriber, MANAGE)))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute(
        _named("unsubscribe", subscriber.page, token=token_for(subscriber, UNSUBSCRIBE))
    )


def subscribe_url(page: Page) -> str:
    return absolute(_named("subscribe", page))


def page_path(page: Page) -> str:
    """The public page's path: /status/ for the default page, /status/pages/<slug>/ else."""
    return "/status/" if page.is_default else f"/status/pages/{page.slug}/"


def page_url(page: Page) -> str:
    return absolute(page_path(page))


def incident_url(page: Page, code: str) -> str:
    return absolute(f"{page_path(page)}incidents/{code}")


def maintenance_url(page: Page, code: str) -> str:
    return absolute(f"{page_path(page)}maintenances/{code}")
