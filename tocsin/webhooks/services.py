"""Every write to webhooks, and the outbox messages they receive."""

from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import ensure_manages_webhooks
from tocsin.errors import Conflict, ValidationFailed
from tocsin.incidents.models import Incident, TimelineEvent
from tocsin.notify.models import OutboxChannel, OutboxMessage, Purpose
from tocsin.notify.outbox.services import enqueue
from tocsin.tokens import new_salt
from tocsin.validation import clean_text

from . import destinations, payloads
from .models import PING, EventType, Webhook

MAX_URL_LENGTH = 2000


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationFailed(
            "give the address to POST to, e.g. https://example.com/hooks", field="url"
        )
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"the url is longer than {MAX_URL_LENGTH} characters", field="url")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValidationFailed("the url must not contain spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number or out of range
    except ValueError as error:
        raise ValidationFailed(f"{url!r} is not a valid URL: {error}", field="url") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if "://" not in url:
            # "hooks.example.com:8080/x" parses as the scheme "hooks.example.com".
            raise ValidationFailed(
                f"{url!r} has no scheme: a webhook url starts with https:// or http://",
                field="url",
            )
        raise ValidationFailed(
            f"a webhook url must start with https:// or http://, not {scheme}://", field="url"
        )
    if not parts.hostname:
        raise ValidationFailed(f"{url!r} has no host name", field="url")
    if port == 0:
        raise ValidationFailed(f"{url!r} has port 0", field="url")
    if parts.fragment:
        raise ValidationFailed("a webhook url cannot have a #fragment", field="url")
    try:
        destinations.check_host(parts.hostname)
    except destinations.Refused as refused:
        raise ValidationFailed(refused.reason, field="url") from None
    # The check constraint compares the scheme in lower case.
    return f"{scheme}{url[len(parts.scheme) :]}"


def clean_name(name: str) -> str:
    return clean_text(
        name, field="name", max_length=100, missing="give the webhook a name, e.g. 'Status bot'"
    )


def clean_events(events) -> list[str]:
    if events is None or isinstance(events, str) or not hasattr(events, "__iter__"):
        raise ValidationFailed("events is a list of event types", field="events")
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise ValidationFailed(
            f"choose at least one event type: {', '.join(EventType.values)}", field="events"
        )
    unknown = [each for each in chosen if each not in EventType.values]
    if unknown:
        raise ValidationFailed(
            f"unknown event type {unknown[0]!r}; use {', '.join(EventType.values)}",
            field="events",
        )
    # Kept in the documented order, so the same choice always reads the same.
    return [each for each in EventType.values if each in chosen]


def _save(webhook: Webhook, **kwargs) -> Webhook:
    try:
        with transaction.atomic():
            webhook.save(**kwargs)
    except IntegrityError:
        where = webhook.team.name if webhook.team_id else "instance-wide"
        raise Conflict(
            f"there is already a webhook named {webhook.name!r} ({where})", field="name"
        ) from None
    return webhook


def create_webhook(
    *,
    team: Team | None,
    name: str,
    url: str,
    by: User,
    events=None,
    enabled: bool = True,
    include_drills: bool = False,
) -> Webhook:
    """A team's webhook (admins and its leads), or an instance-wide one (`team=None`, admins)."""
    ensure_manages_webhooks(team, by)
    webhook = Webhook(
        team=team,
        name=clean_name(name),
        url=clean_url(url),
        events=list(EventType.values) if events is None else clean_events(events),
        enabled=bool(enabled),
        include_drills=bool(include_drills),
        created_by=by,
    )
    return _save(webhook)


UPDATABLE = {
    "name": clean_name,
    "url": clean_url,
    "events": clean_events,
    "enabled": bool,
    "include_drills": bool,
}


def update_webhook(*, webhook: Webhook, by: User, **changes) -> Webhook:
    ensure_manages_webhooks(webhook.team, by)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(f"cannot change {field} of a webhook", field=field)
    cleaned = {
        field: UPDATABLE[field](value) for field, value in changes.items() if value is not None
    }
    changed = [field for field, value in cleaned.items() if getattr(webhook, field) != value]
    if not changed:
        return webhook
    for field in changed:
        setattr(webhook, field, cleaned[field])
    return _save(webhook, update_fields=changed)


def delete_webhook(*, webhook: Webhook, by: User) -> None:
    """Remove it; deliveries still waiting fail as "webhook deleted" instead of being sent."""
    ensure_manages_webhooks(webhook.team, by)
    webhook.delete()


def rotate_secret(*, webhook: Webhook, by: User) -> Webhook:
    """A new signing secret, used from the next delivery attempt on (retries included)."""
    ensure_manages_webhooks(webhook.team, by)
    webhook.secret_salt = new_salt()
    webhook.save(update_fields=["secret_salt"])
    return webhook


def send_test(*, webhook: Webhook, by: User) -> OutboxMessage:
    """Queue a `ping` delivery; it goes out even while the webhook is disabled."""
    ensure_manages_webhooks(webhook.team, by)
    now = timezone.now()
    ping_id, body = payloads.ping_body(webhook, at=now, by=by)
    with transaction.atomic():
        return _enqueue(webhook, key=ping_id, type_=PING, body=body)


def _enqueue(
    webhook: Webhook, *, key: str, type_: str, body: str, incident: Incident | None = None
) -> OutboxMessage:
    return enqueue(
        idempotency_key=f"webhook:{webhook.pk}:{key}",
        channel=OutboxChannel.WEBHOOK,
        purpose=Purpose.WEBHOOK,
        # The timeline's record of a failed delivery copies the address: never the URL.
        address=f"webhook {webhook.pk}",
        subject=type_ if incident is None else f"{type_} {incident.reference}",
        body_text=body,
        incident=incident,
        data={
            "webhook": webhook.pk,
            "type": type_,
            "method": f"webhook “{webhook.name}”",
        },
    )


def webhooks_for(incident: Incident, type_: str) -> list[Webhook]:
    """Enabled webhooks of the incident's team and instance-wide ones that receive `type_`; of a
    drill, only those that opted in to drills."""
    candidates = Webhook.objects.filter(
        Q(team=incident.team_id) | Q(team__isnull=True), enabled=True
    ).order_by("id")
    if incident.drill:
        candidates = candidates.filter(include_drills=True)
    return [webhook for webhook in candidates if webhook.receives(type_)]


def enqueue_for_team(team, *, type_: str, key: str, body: str) -> list[OutboxMessage]:
    """One delivery of an event that is not an incident's (a support ticket's) to each enabled
    webhook of `team` and each instance-wide one that receives `type_`; `key` names the event
    once, so the same event is never queued twice."""
    webhooks = Webhook.objects.filter(Q(team=team) | Q(team__isnull=True), enabled=True).order_by(
        "id"
    )
    return [
        _enqueue(webhook, key=key, type_=type_, body=body)
        for webhook in webhooks
        if webhook.receives(type_)
    ]


def enqueue_event(incident: Incident, event: TimelineEvent) -> list[OutboxMessage]:
    """One delivery per interested webhook, inside the transaction that recorded `event`."""
    type_ = payloads.event_type(event.kind)
    if type_ is None:
        return []
    webhooks = webhooks_for(incident, type_)
    if not webhooks:
        return []
    body = payloads.event_body(incident, event, type_)
    return [
        _enqueue(webhook, key=str(event.pk), type_=type_, body=body, incident=incident)
        for webhook in webhooks
    ]
