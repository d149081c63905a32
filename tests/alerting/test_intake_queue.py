"""The intake queue: an accepted event is one row; the worker acts on it once, in order.

docs/integrations/index.md#what-a-202-means: a 2xx answer means the event is committed; the
worker acts on each integration's events in the order they were received, in batches, and an
event is acted on exactly once.
"""

import json
import re
import threading
from contextlib import contextmanager
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.clock import START
from tests.support.intake import drain
from tocsin import wake
from tocsin.alerting import intake_queue, keys
from tocsin.alerting.intake_queue import accept, process_pending
from tocsin.alerting.models import Alert, AlertEvent, AlertStatus, IntakeEvent
from tocsin.alerting.services import rotate_token
from tocsin.incidents.models import Incident


def event(integration, dedup_key: str, action: str) -> str:
    body = {"routing_key": integration.token, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        body["payload"] = {"summary": f"{dedup_key} is down", "source": "db", "severity": "error"}
    return json.dumps(body)


def enqueue(integration, body: str):
    return Client().post("/v2/enqueue", body, content_type="application/json")


def test_an_accepted_event_is_one_row_until_the_worker_acts_on_it(events_v2):
    response = enqueue(events_v2, event(events_v2, "db1", "trigger"))
    assert response.status_code == 202
    [waiting] = IntakeEvent.objects.all()
    assert (waiting.alert_count, waiting.processed_at) == (1, None)
    assert json.loads(waiting.body)["dedup_key"] == "db1"
    assert not Alert.objects.exists() and not Incident.objects.exists()

    batch = process_pending()
    assert (batch.integration, batch.events, batch.alerts, batch.failed) == (events_v2, 1, 1, 0)
    waiting.refresh_from_db()
    assert waiting.processed_at is not None and waiting.error == ""
    assert Alert.objects.get().fingerprint == "db1"
    assert process_pending().integration is None  # acted on once, never again
    assert AlertEvent.objects.count() == 1


def test_an_event_that_cannot_be_acted_on_is_marked_and_the_next_goes_on(events_v2):
    key = keys.lookup(events_v2.token)
    accept(key, '{"routing_key": "x", "event_action": "trigger"}', alerts=1)  # no payload
    accept(key, event(events_v2, "db2", "trigger"), alerts=1)

    batch = process_pending()

    assert (batch.events, batch.failed) == (2, 1)
    broken, fine = IntakeEvent.objects.order_by("id")
    assert broken.error.startswith("PayloadError") and broken.processed_at is not None
    assert fine.error == ""
    assert Alert.objects.get().fingerprint == "db2"


def test_a_rotated_key_is_refused_at_once_although_this_process_had_it_cached(events_v2, lead):
    old = events_v2.token
    assert enqueue(events_v2, event(events_v2, "db1", "trigger")).status_code == 202
    assert keys.lookup(old) is not None  # cached

    rotate_token(integration=events_v2, by=lead)

    refused = enqueue(events_v2, event(events_v2, "db1", "trigger").replace(events_v2.token, old))
    assert refused.status_code == 404
    assert IntakeEvent.objects.count() == 1
    events_v2.refresh_from_db()
    assert enqueue(events_v2, event(events_v2, "db1", "trigger")).status_code == 202


def test_a_disabled_integration_is_refused_at_once_although_cached(events_v2):
    key = keys.lookup(events_v2.token)
    events_v2.enabled = False
    events_v2.save()

    assert accept(key, event(events_v2, "db1", "trigger"), alerts=1) is None
    assert enqueue(events_v2, event(events_v2, "db1", "trigger")).status_code == 404
    assert not IntakeEvent.objects.exists()


@contextmanager
def rolled_back():
    """A database of the test's own for one hypothesis example, gone after it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def end_state():
    alerts = [
        (a.fingerprint, a.status, a.count, a.incident.status if a.incident else None)
        for a in Alert.objects.select_related("incident").order_by("id")
    ]
    incidents = list(Incident.objects.order_by("id").values_list("status", "title"))
    # Each alert's event log in order (the batch writes repeats of different alerts together).
    actions: dict[str, list] = {}
    for fingerprint, action, decisions in AlertEvent.objects.order_by("id").values_list(
        "alert__fingerprint", "action", "decisions"
    ):
        # Incident numbers differ between the runs on PostgreSQL (sequences are not rolled back).
        said = [re.sub(r"INC-\d+", "INC-n", decision) for decision in decisions]
        actions.setdefault(fingerprint, []).append((action, said))
    return alerts, incidents, actions


sequences = st.lists(
    st.tuples(st.sampled_from(["db1", "db2", "db3"]), st.sampled_from(["trigger", "resolve"])),
    min_size=1,
    max_size=16,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=sequences, batch_size=st.integers(min_value=2, max_value=12))
def test_batches_of_any_size_end_as_one_event_at_a_time_does(events_v2, sent, batch_size):
    key = keys.lookup(events_v2.token)
    states = []
    for size in (1, batch_size):
        with (
            rolled_back(),
            mock.patch.object(intake_queue, "BATCH_EVENTS", size),
            time_machine.travel(START, tick=False),  # the same instants in both runs
        ):
            for dedup_key, action in sent:
                accept(key, event(events_v2, dedup_key, action), alerts=1)
            drain()
            states.append(end_state())
            last = {dedup_key: action for dedup_key, action in sent}
            for dedup_key, action in last.items():
                status = Alert.objects.filter(fingerprint=dedup_key).order_by("-id").first()
                if action == "trigger":  # the last word was a trigger: it fires
                    assert status.status == AlertStatus.FIRING
                elif status is not None:  # resolved, whatever came before
                    assert status.status == AlertStatus.RESOLVED
    one_at_a_time, batched = states
    assert batched == one_at_a_time


def test_a_worker_is_woken_by_an_accepted_event(events_v2, settings, tmp_path):
    """On SQLite through the worker's socket in the data directory (PostgreSQL: see
    test_intake_queue_processes)."""
    if wake.on_postgres():
        pytest.skip("PostgreSQL wakes workers with NOTIFY, delivered on commit")
    settings.DATA_DIR = tmp_path
    woken, stopping = threading.Event(), threading.Event()
    listener = threading.Thread(target=wake.listen, args=("intake", woken, stopping))
    listener.start()
    try:
        socket_dir = tmp_path / "wake"
        for _ in range(200):
            if any(socket_dir.glob("intake-*.sock")):
                break
            stopping.wait(0.05)
        accept(keys.lookup(events_v2.token), event(events_v2, "db1", "trigger"), alerts=1)
        assert woken.wait(timeout=30)
    finally:
        stopping.set()
        listener.join()
    assert not any(socket_dir.glob("intake-*.sock"))  # a stopped worker leaves nothing behind
