"""The intake queue: accept an event in one statement, act on it in the worker, in batches.

`accept` is all an intake request writes: one INSERT of the body as received, which also checks
that the integration still has the key the request was checked against (keys.py) and, on
PostgreSQL, wakes the workers (tocsin/wake.py). When it returns, the event is committed: the
sender may be answered 2xx.

`process_pending` is the worker's side. One batch is the oldest waiting events of one
integration, acted on in the order they were received, in one transaction that also marks them
processed. A worker that dies mid-batch leaves it all to be claimed again; an event marked
processed is never acted on again. One integration's events are never in two batches at once
(on PostgreSQL its row is locked for the batch; SQLite has one writer), so a trigger followed by
a resolve is always acted on in that order, whatever the number of workers.
"""

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from tocsin import wake

from .ingest import ingest
from .keys import IntegrationKey
from .models import IntakeEvent, Integration
from .repeats import Repeats
from .sources import ParsedAlert
from .sources.registry import parse
from .storms import WINDOW, alerts_in_window, join_storm, storm_for

logger = logging.getLogger(__name__)

CHANNEL = "intake"
# One batch: up to this many events, and no more alerts than this (an Alertmanager
# notification may carry hundreds); one event is always taken, whatever its size.
BATCH_EVENTS = 200
BATCH_ALERTS = 1_000
# SQLite has one writer: a batch holds it, and every intake request waits for it to end.
SQLITE_BATCH_EVENTS = 20


def accept(key: IntegrationKey, body: str, *, alerts: int) -> int | None:
    """Store one intake event; its id, or None when the integration no longer matches `key`
    (its token rotated, disabled, its secret or kind changed): then nothing was stored."""
    table = IntakeEvent._meta.db_table
    insert = (
        f"INSERT INTO {table} (integration_id, received_at, body, alert_count, error) "
        "SELECT %s, %s, %s, %s, '' WHERE EXISTS ("
        f"SELECT 1 FROM {Integration._meta.db_table} WHERE id = %s AND token_hash = %s "
        "AND enabled AND kind = %s AND signing_secret = %s AND signature_header = %s"
        ") RETURNING id"
    )
    params = [
        key.id,
        timezone.now(),
        body,
        alerts,
        key.id,
        key.token_hash,
        key.kind,
        key.signing_secret,
        key.signature_header,
    ]
    postgres = wake.on_postgres()
    if postgres:
        insert = f"WITH accepted AS ({insert}) SELECT id, {wake.notify_sql(CHANNEL)} FROM accepted"
    with connection.cursor() as cursor:
        cursor.execute(insert, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if not postgres:
        wake.notify(CHANNEL)
    return row[0]


@dataclass
class Batch:
    integration: Integration | None = None
    events: int = 0
    alerts: int = 0
    failed: int = 0


def process_pending() -> Batch:
    """Act on one batch of waiting events; an empty Batch when none is waiting."""
    batch = Batch()
    # A look first, outside a transaction: on SQLite every transaction takes the one write lock
    # at once, which the delivery lanes would wait for when there is nothing to do.
    if not IntakeEvent.objects.filter(processed_at__isnull=True).exists():
        return batch
    with transaction.atomic():
        integration = _claim()
        if integration is None:
            return batch
        batch.integration = integration
        events = _oldest(integration)
        if not events:
            return batch  # taken by another worker between the look-up and the lock
        # The storm rule's count, once for the batch: its events arrived within moments.
        window = alerts_in_window(integration, since=events[0].received_at - WINDOW)
        parsed = [_parsed(integration, event) for event in events]
        repeats = Repeats(integration, [alerts for alerts in parsed if isinstance(alerts, list)])
        done = []
        for event, alerts in zip(events, parsed, strict=True):
            batch.events += 1
            batch.alerts += event.alert_count
            if isinstance(alerts, str):
                error = alerts
            else:
                error = _act(integration, event, repeats.take(alerts, event.received_at), window)
            if error:
                batch.failed += 1
                IntakeEvent.objects.filter(pk=event.pk).update(
                    processed_at=timezone.now(), error=error
                )
            else:
                done.append(event.pk)
        repeats.save()
        IntakeEvent.objects.filter(pk__in=done).update(processed_at=timezone.now())
    return batch


def process_backlog(*, max_batches: int = 50) -> int:
    """Batches until none is waiting (or `max_batches`); the alerts acted on. The worker's job."""
    alerts = 0
    for _ in range(max_batches):
        batch = process_pending()
        if batch.integration is None:
            break
        alerts += batch.alerts or batch.events
    return alerts


def _claim() -> Integration | None:
    """The integration whose oldest waiting event is the oldest, locked for this transaction
    (on PostgreSQL, skipping those another worker holds; SQLite's transaction is the lock)."""
    pending = IntakeEvent.objects.filter(processed_at__isnull=True)
    oldest = (
        pending.filter(integration=OuterRef("pk"))
        .order_by()
        .values("integration")
        .annotate(first=Min("id"))
        .values("first")
    )
    found = (
        Integration.objects.filter(pk__in=pending.values("integration_id"))
        .annotate(first_waiting=Subquery(oldest))
        .order_by("first_waiting")
        .select_related("team", "service", "severity")
        # NO KEY: an intake request inserting an event for it (a foreign key) is not blocked.
        .select_for_update(skip_locked=True, no_key=True, of=("self",))[:1]
    )
    return next(iter(found), None)


def _oldest(integration: Integration) -> list[IntakeEvent]:
    events, alerts = [], 0
    waiting = IntakeEvent.objects.filter(integration=integration, processed_at__isnull=True)
    size = BATCH_EVENTS if wake.on_postgres() else min(BATCH_EVENTS, SQLITE_BATCH_EVENTS)
    for event in waiting.order_by("id")[:size]:
        if events and alerts + event.alert_count > BATCH_ALERTS:
            break
        events.append(event)
        alerts += event.alert_count
    return events


def _parsed(integration: Integration, event: IntakeEvent) -> list[ParsedAlert] | str:
    """The event's alerts, or why they could not be read (checked when it was accepted, so
    only a bug could make this fail)."""
    try:
        return parse(integration.kind, json.loads(event.body))
    except Exception as error:  # one bad event never blocks the queue
        logger.exception("intake event %s of %s could not be read", event.pk, integration)
        return f"{type(error).__name__}: {error}"[:2000]


def _act(integration: Integration, event: IntakeEvent, alerts: list, window: int) -> str:
    """Act on the event's `alerts` (its repeats taken out) in a savepoint of the batch; what
    went wrong, or "" when nothing did."""
    if not alerts:
        return ""
    try:
        with transaction.atomic():
            storm = storm_for(integration, event, counted=window)
            if storm is not None:
                alerts = join_storm(integration, storm, alerts, event.received_at)
            if alerts:
                ingest(
                    integration=integration,
                    alerts=alerts,
                    received_at=event.received_at,
                    storm=storm,
                )
    except (OperationalError, InterfaceError):
        raise  # the database, not the event: the whole batch is tried again
    except Exception as error:  # one bad event never blocks the queue
        logger.exception("intake event %s of %s could not be acted on", event.pk, integration)
        return f"{type(error).__name__}: {error}"[:2000]
    return ""


# Processed events are kept this long, then deleted;
# what they did stays in the alerts' own event log (AlertEvent).
KEEP_PROCESSED = timedelta(days=7)


def purge_processed(*, now=None) -> int:
    cutoff = (now or timezone.now()) - KEEP_PROCESSED
    deleted, _ = IntakeEvent.objects.filter(
        processed_at__isnull=False, processed_at__lt=cutoff
    ).delete()
    return deleted
