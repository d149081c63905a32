"""Telling subscribers: one outbox message per confirmed subscriber whose components match.

Called inside the transaction that publishes the update (so the messages exist exactly when the
update does), these only queue: the e-mails go out in the delivery loop's `team` lane (bulk,
never ahead of a page) and the webhooks in its `webhooks` lane, retried like every message.

Who hears about what: a subscriber who chose no components hears about everything; one who
chose some hears about what touches at least one of them. An incident update touches the
incident's components and those the update changed; components under maintenance are left
out of incident mail (the maintenance's own notices tell their subscribers). Drafts and
updates published with `notify_subscribers` off tell nobody.

Ten thousand subscribers are one query to read (matched in SQL, read in chunks) and, for each
batch of BATCH messages, one look for keys already queued and a bulk INSERT (which SQLite
splits at its 999 variables): never a round trip each. Each message's idempotency key is per
subscriber and update (or maintenance notice), so calling twice queues nothing more.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from tocsin.notify.outbox.models import OutboxChannel, OutboxMessage, Purpose

from ..models import (
    Component,
    ComponentStatus,
    ComponentStatusChange,
    IncidentUpdate,
    Maintenance,
    MaintenanceUpdate,
    Page,
    Subscriber,
    SubscriberKind,
)
from . import emails, payloads

BATCH = 500
RECEIVER = "statuspage.Subscriber"  # how the webhook sender finds a webhook subscriber


def matching(page: Page, component_ids: Iterable[int]):
    """Confirmed subscribers of `page` who chose none of its components, or one of these."""
    through = Subscriber.components.through
    chose_any = Exists(through.objects.filter(subscriber=OuterRef("pk")))
    chose_these = Exists(
        through.objects.filter(subscriber=OuterRef("pk"), component__in=list(component_ids))
    )
    return Subscriber.objects.filter(page=page, confirmed_at__isnull=False).filter(
        ~chose_any | chose_these
    )


def under_maintenance(page: Page, *, now=None) -> set[int]:
    """The page's components in maintenance now: so marked, or in a maintenance under way."""
    now = now or timezone.now()
    marked = set(
        page.components.filter(status=ComponentStatus.UNDER_MAINTENANCE).values_list(
            "pk", flat=True
        )
    )
    running = Maintenance.objects.filter(
        page=page, scheduled_for__lte=now, scheduled_until__gt=now
    ).filter(Q(completed_at__isnull=True) | Q(completed_at__gt=now))
    in_window = Component.objects.filter(maintenances__in=running).values_list("pk", flat=True)
    return marked | set(in_window)


def _touched(update: IncidentUpdate) -> set[int]:
    incident = update.incident
    ids = set(incident.components.values_list("pk", flat=True))
    codes = [c.get("code") for c in update.affected_components or [] if isinstance(c, dict)]
    if codes:
        ids |= set(
            Component.objects.filter(page=incident.page_id, code__in=codes).values_list(
                "pk", flat=True
            )
        )
    return ids


def _fan_out(
    subscribers,
    *,
    page: Page,
    key: str,
    letter: emails.Letter | None,
    body: payloads.Body,
    data: dict,
) -> int:
    """Queue the letter (e-mail) or the body (webhook) for each subscriber; how many were new.
    Without a letter, `subscribers` are webhooks only."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("subscribers are told inside the transaction that publishes")
    rows = subscribers.only("pk", "code", "kind", "email", "url", "link_version", "page_id")
    now = timezone.now()
    batch: list[OutboxMessage] = []
    count = 0
    for subscriber in rows.order_by("pk").iterator(chunk_size=2000):
        subscriber.page = page  # the links need it; already in hand
        batch.append(_message(subscriber, key=key, letter=letter, body=body, data=data, now=now))
        if len(batch) >= BATCH:
            count += _insert_new(batch)
            batch = []
    if batch:
        count += _insert_new(batch)
    return count


def _message(subscriber, *, key, letter, body, data, now) -> OutboxMessage:
    mine = {**data, "subscriber": subscriber.code}
    common = {
        "idempotency_key": f"{key}:{subscriber.code}",
        "purpose": Purpose.STATUS_UPDATE,
        "created_at": now,
        "next_attempt_at": now,
    }
    if subscriber.kind == SubscriberKind.EMAIL:
        text, html, headers = letter.to(subscriber)
        return OutboxMessage(
            channel=OutboxChannel.EMAIL,
            address=subscriber.email,
            subject=" ".join(letter.subject.split())[:255],
            body_text=text,
            body_html=html,
            data={**mine, "headers": headers},
            **common,
        )
    return OutboxMessage(
        channel=OutboxChannel.WEBHOOK,
        # Never the URL: a failure's record may copy the address.
        address=f"status subscriber {subscriber.code}",
        subject=data.get("type", ""),
        body_text=body.to(subscriber),
        data={**mine, "receiver": RECEIVER, "receiver_id": subscriber.pk},
        **common,
    )


def _insert_new(batch: list[OutboxMessage]) -> int:
    """Insert the messages not queued before (same idempotency key); how many were new."""
    keys = [message.idempotency_key for message in batch]
    queued = set(
        OutboxMessage.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    new = [message for message in batch if message.idempotency_key not in queued]
    # A concurrent publisher's row with the same key wins; this one is dropped, not doubled.
    OutboxMessage.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def incident_update_published(update: IncidentUpdate) -> int:
    """Queue the update for every matching subscriber; how many messages were queued."""
    incident = update.incident
    if incident.published_at is None or not update.notify_subscribers:
        return 0
    page = incident.page
    touched = _touched(update)
    told = touched - under_maintenance(page)
    if touched and not told:
        return 0  # every component it touches is in maintenance
    return _fan_out(
        matching(page, told),
        page=page,
        key=f"statuspage:update:{update.code}",
        letter=emails.incident_update_letter(update),
        body=payloads.incident_body(update),
        data={
            "page": page.code,
            "incident": incident.code,
            "update": update.code,
            "type": "statuspage.incident_update",
        },
    )


def maintenance_announced(
    maintenance: Maintenance, *, what: str, update: MaintenanceUpdate | None = None
) -> int:
    """Queue a maintenance notice (`what`: scheduled, reminder, started, completed, updated)
    for the subscribers of its components; how many messages were queued."""
    letter = emails.maintenance_letter(maintenance, what=what, update=update)
    page = maintenance.page
    if update is not None:
        which = update.code
    elif what == "updated":  # each change of the window is news of its own
        which = f"updated-{maintenance.updated_at.timestamp():.0f}"
    else:
        which = what
    return _fan_out(
        matching(page, maintenance.components.values_list("pk", flat=True)),
        page=page,
        key=f"statuspage:maintenance:{maintenance.code}:{which}",
        letter=letter,
        body=payloads.maintenance_body(maintenance, update),
        data={
            "page": page.code,
            "maintenance": maintenance.code,
            "what": what,
            "type": "statuspage.maintenance",
        },
    )


def component_status_changed(change: ComponentStatusChange, *, old_status: str) -> int:
    """Queue Statuspage's `component_update` for the webhook subscribers of the component (as
    Statuspage, e-mail subscribers hear about incidents and maintenance, not each status)."""
    component = change.component
    if not component.visible:
        return 0
    page = component.page
    return _fan_out(
        matching(page, [component.pk]).filter(kind=SubscriberKind.WEBHOOK),
        page=page,
        key=f"statuspage:component:{change.pk}",
        letter=None,
        body=payloads.component_body(change, old_status),
        data={
            "page": page.code,
            "component": component.code,
            "type": "statuspage.component_update",
        },
    )
