"""Every write to a status page's subscribers: subscribing, confirming, choosing, leaving.

E-mail is double opt-in: `subscribe_email` stores an unconfirmed subscriber and mails a signed
link that expires (links.py); nothing else is sent to the address until it is followed. The
public form's answer is the same whether the address is new, waiting for confirmation or
already subscribed (which gets its manage link by e-mail instead), so the form never tells
anyone who is subscribed. Requests are rate-limited per address and per client (limits.py).

A webhook subscriber is confirmed at once: there is no inbox to confirm from, its URL is
checked not to lead to an internal address (as Tocsin's own webhooks are), its secret is shown
once, and every delivery carries its unsubscribe link (`meta.unsubscribe`).
"""

import csv
import io
import secrets
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.accounts import permissions
from tocsin.errors import Conflict, ValidationFailed
from tocsin.notify.outbox.models import OutboxMessage, OutboxState
from tocsin.notify.outbox.services import enqueue
from tocsin.webhooks.services import clean_url

from ..models import Component, Page, Subscriber, SubscriberKind
from . import emails, limits, links
from .links import LinkUsed

# What the subscribe form answers, whoever the address belongs to.
ANSWER = (
    "Thank you. If this address can be subscribed, an e-mail is on its way to it: "
    "follow its link to confirm. Nothing is sent before that."
)
SECRET_BYTES = 32  # 64 hex characters, the most Subscriber.secret holds


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationFailed("give the e-mail address to send updates to", field="email")
    if len(email) > 254:
        raise ValidationFailed("an e-mail address is at most 254 characters", field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            f"{email!r} is not an e-mail address (like name@example.com)", field="email"
        ) from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def components_by_code(page: Page, codes: Iterable[str]) -> list[Component]:
    """The page's visible components named by `codes` (from a form or the API)."""
    codes = [str(code) for code in dict.fromkeys(codes or [])]
    found = {c.code: c for c in page.components.filter(code__in=codes, visible=True)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationFailed(
            f"no such component on {page.name}: {', '.join(unknown)}", field="components"
        )
    return [found[code] for code in codes]


def _clean_components(page: Page, components: Iterable[Component]) -> list[Component]:
    chosen = list(dict.fromkeys(components or []))
    for component in chosen:
        if not isinstance(component, Component):
            raise ValidationFailed("components are the page's components", field="components")
        if component.page_id != page.pk or not component.visible:
            raise ValidationFailed(
                f"{component.name} is not a component of {page.name}", field="components"
            )
    return chosen


def _queue_subscription_email(subscriber: Subscriber, content: tuple[str, str, str], kind: str):
    subject, text, html = content
    enqueue(
        idempotency_key=f"statuspage:{kind}:{subscriber.code}:{uuid.uuid4().hex}",
        channel="email",
        purpose="status_subscription",
        address=subscriber.email,
        subject=subject,
        body_text=text,
        body_html=html,
        data={"page": subscriber.page.code, "subscriber": subscriber.code, "kind": kind},
    )


def subscribe_email(
    *, page: Page, email: str, components: Iterable[Component] = (), ip: str = ""
) -> str:
    """Ask for a page's updates at `email`; returns ANSWER, whatever the address's standing.

    New or still unconfirmed: the subscriber is stored (unconfirmed, with this choice of
    components) and a confirmation link is mailed. Already confirmed: nothing changes, and its
    manage link is mailed instead. Over a rate limit: TooManyRequests, and nothing is sent.
    """
    email = clean_email(email)
    chosen = _clean_components(page, components)
    with transaction.atomic():
        limits.check_and_count(page=page, email=email, ip=ip)
        subscriber = _email_subscriber(page, email)
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(
                        page=page, kind=SubscriberKind.EMAIL, email=email
                    )
            except IntegrityError:  # the same address, sent twice at once
                subscriber = _email_subscriber(page, email)
        subscriber.page = page
        if subscriber.confirmed_at is None:
            # Asked again: the latest request counts, and its link (forget_unconfirmed).
            subscriber.created_at = timezone.now()
            subscriber.save(update_fields=["created_at"])
            subscriber.components.set(chosen)
            _queue_subscription_email(
                subscriber, emails.confirmation_email(subscriber), "confirmation"
            )
        else:
            _queue_subscription_email(
                subscriber, emails.already_subscribed_email(subscriber), "manage-link"
            )
    return ANSWER


def _email_subscriber(page: Page, email: str) -> Subscriber | None:
    return (
        Subscriber.objects.select_for_update()
        .filter(page=page, kind=SubscriberKind.EMAIL, email__iexact=email)
        .first()
    )


def confirm(*, token: str) -> Subscriber:
    """Follow a confirmation link: from now on the subscriber gets the page's updates."""
    subscriber = links.read(token, links.CONFIRM)
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update().select_related("page").get(pk=subscriber.pk)
        )
        if subscriber.confirmed_at is not None:
            raise LinkUsed("this link was already used: the subscription is confirmed")
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["confirmed_at"])
    return subscriber


def forget_unconfirmed(*, now=None) -> int:
    """Delete the addresses never confirmed whose last link has expired (a periodic job);
    how many were forgotten."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            Subscriber.objects.filter(
                kind=SubscriberKind.EMAIL,
                confirmed_at__isnull=True,
                created_at__lt=now - links.CONFIRM_MAX_AGE,
            ).values_list("pk", flat=True)
        )
        Subscriber.objects.filter(pk__in=stale).delete()
    return len(stale)


def update_components(*, subscriber: Subscriber, components: Iterable[Component]) -> Subscriber:
    """Choose what the subscriber hears about; none chosen means every component."""
    chosen = _clean_components(subscriber.page, components)
    with transaction.atomic():
        subscriber.components.set(chosen)
    return subscriber


def _forget(subscriber: Subscriber) -> None:
    """Delete the subscriber and what is still waiting to be sent to it; keep nothing."""
    OutboxMessage.objects.filter(
        state=OutboxState.PENDING, data__subscriber=subscriber.code
    ).delete()
    Subscriber.objects.filter(pk=subscriber.pk).delete()


def unsubscribe(*, subscriber: Subscriber) -> None:
    """The subscriber leaves: its row, its choice and its queued messages are deleted."""
    with transaction.atomic():
        _forget(subscriber)


def subscribe_webhook(
    *,
    page: Page,
    url: str,
    components: Iterable[Component] = (),
    by=None,
    ip: str = "",
) -> tuple[Subscriber, str]:
    """Subscribe a URL to the page's updates; returns the subscriber and its signing secret,
    which is shown this once. `by` an admin, or None for a visitor (then rate-limited)."""
    if by is not None:
        permissions.ensure_manages_status_pages(by, action="manage a status page's subscribers")
    url = clean_url(url)
    chosen = _clean_components(page, components)
    secret = secrets.token_hex(SECRET_BYTES)
    with transaction.atomic():
        if by is None:
            limits.check_and_count(page=page, email=url, ip=ip)
        if Subscriber.objects.filter(page=page, kind=SubscriberKind.WEBHOOK, url=url).exists():
            raise Conflict(
                "this URL already receives the page's updates; its deliveries carry the link "
                "that unsubscribes it",
                field="url",
            )
        now = timezone.now()
        subscriber = Subscriber.objects.create(
            page=page,
            kind=SubscriberKind.WEBHOOK,
            url=url,
            secret=secret,
            created_at=now,
            confirmed_at=now,  # at once: no inbox to confirm from
        )
        subscriber.components.set(chosen)
    return subscriber, secret


def subscribers_of(*, page: Page, by) -> list[Subscriber]:
    """Who subscribed to the page, newest first (admins: addresses are personal)."""
    permissions.ensure_manages_status_pages(by, action="see who subscribed to a status page")
    return list(page.subscribers.prefetch_related("components").order_by("-created_at", "-id"))


def count(*, page: Page) -> dict[str, int]:
    """How many subscribers the page has: confirmed, and waiting to confirm."""
    unconfirmed = page.subscribers.filter(confirmed_at__isnull=True).count()
    return {"confirmed": page.subscribers.count() - unconfirmed, "unconfirmed": unconfirmed}


def remove_subscriber(*, subscriber: Subscriber, by) -> None:
    """An admin removes a subscriber, as if it had unsubscribed."""
    permissions.ensure_manages_status_pages(by, action="manage a status page's subscribers")
    with transaction.atomic():
        _forget(subscriber)


CSV_COLUMNS = ["id", "kind", "address", "components", "subscribed_at", "confirmed_at"]


def _cell(value: str) -> str:
    """A spreadsheet must not run what a visitor typed: a leading = + - @ is quoted away."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(*, page: Page, by) -> str:
    """Every subscriber of the page as CSV (an admin's export); never a webhook's secret."""
    permissions.ensure_manages_status_pages(by, action="manage a status page's subscribers")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = page.subscribers.order_by("created_at", "id").prefetch_related("components")
    for subscriber in rows:
        writer.writerow(
            [
                subscriber.code,
                subscriber.kind,
                _cell(subscriber.email or subscriber.url),
                _cell("; ".join(c.name for c in subscriber.components.all())),
                subscriber.created_at.isoformat(),
                subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
            ]
        )
    return out.getvalue()
