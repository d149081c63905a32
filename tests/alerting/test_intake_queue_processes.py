"""The intake queue with real processes: `tocsin serve` accepts, `tocsin worker`s act.

A worker killed with SIGKILL in the middle of its batches loses nothing and doubles nothing; two
workers on PostgreSQL never act on one event twice nor on one key's events out of order; and a
rotated integration key is refused at once by every web process, although each had it cached.
"""

import json
import random

import httpx
import pytest

from tests.support.live import LiveTocsin, on_postgres, wait_for

pytestmark = pytest.mark.processes

SETUP = """
from tocsin.accounts.models import Team
from tocsin.alerting.models import Integration

team = Team.objects.create(name="Payments", slug="payments")
emit([
    Integration.objects.create(
        kind="pagerduty", name=f"Nagios {n}", team=team, rate_limit_per_minute=100_000
    ).token
    for n in range(INTEGRATIONS)
])
"""


def live(tmp_path, name: str, integrations: int):
    tocsin = LiveTocsin(tmp_path, name=name)
    tokens = tocsin.python(f"INTEGRATIONS = {integrations}\n" + SETUP)
    return tocsin, tokens


def pagerduty(token: str, dedup_key: str, action: str) -> dict:
    body = {"routing_key": token, "event_action": action, "dedup_key": dedup_key}
    if action == "trigger":
        body["payload"] = {"summary": f"{dedup_key} is down", "source": "db", "severity": "error"}
    return body


def send_all(server, events: list[dict]) -> None:
    with httpx.Client(timeout=30) as http:
        for body in events:
            response = http.post(f"{server.url}/v2/enqueue", json=body)
            assert response.status_code == 202, response.text


def waiting(tocsin) -> int:
    return tocsin.value("SELECT count(*) FROM alerting_intakeevent WHERE processed_at IS NULL")


def sequences(tokens: list[str], *, keys_per_integration: int, length: int, seed: int):
    """Per key, a random run of triggers and resolutions; all keys' events interleaved."""
    rng = random.Random(seed)
    sent: dict[str, list[str]] = {}
    events = []
    for token in tokens:
        for k in range(keys_per_integration):
            sent[f"{token[:6]}-{k}"] = [
                rng.choice(["trigger", "trigger", "resolve"]) for _ in range(length)
            ]
    cursors = {key: 0 for key in sent}
    token_of = {f"{t[:6]}-{k}": t for t in tokens for k in range(keys_per_integration)}
    while cursors:
        key = rng.choice(sorted(cursors))
        events.append(pagerduty(token_of[key], key, sent[key][cursors[key]]))
        cursors[key] += 1
        if cursors[key] == length:
            del cursors[key]
    return sent, events


def check_acted_on_once_in_order(tocsin, sent: dict[str, list[str]]) -> None:
    """Every event acted on once; each key's events in the order sent; each key ends as its
    last event said."""
    assert waiting(tocsin) == 0
    assert tocsin.value("SELECT count(*) FROM alerting_intakeevent WHERE error <> ''") == 0
    rows = tocsin.rows("SELECT e.payload, e.action FROM alerting_alertevent e ORDER BY e.id")
    assert len(rows) == sum(len(actions) for actions in sent.values())
    acted: dict[str, list[str]] = {}
    for payload, action in rows:
        key = (json.loads(payload) if isinstance(payload, str) else payload)["dedup_key"]
        acted.setdefault(key, []).append(action)
    assert acted == sent
    for key, actions in sent.items():
        [(status,)] = tocsin.rows(
            "SELECT status FROM alerting_alert WHERE fingerprint = %s ORDER BY id DESC LIMIT 1",
            (key,),
        ) or [("never fired",)]
        last_trigger = max((i for i, a in enumerate(actions) if a == "trigger"), default=None)
        if last_trigger is None:
            assert status == "never fired"
        elif last_trigger == len(actions) - 1:
            assert status == "firing", key
        else:
            assert status == "resolved", key


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(tmp_path):
    tocsin, tokens = live(tmp_path, "intake-kill", 1)
    try:
        server = tocsin.serve(workers=2, with_worker=False)
        sent, events = sequences(tokens, keys_per_integration=60, length=8, seed=9)
        send_all(server, events)  # 480 events waiting
        for round_ in range(3):
            before = waiting(tocsin)
            worker = tocsin.worker(f"killed-{round_}")
            wait_for(lambda b=before: waiting(tocsin) < b, what="the worker to commit a batch")
            worker.kill()  # SIGKILL: in the middle of its next batch, as in a crash
        survivor = tocsin.worker("survivor")
        wait_for(lambda: waiting(tocsin) == 0, timeout=120, what="the survivor to drain")
        check_acted_on_once_in_order(tocsin, sent)
        assert "Traceback" not in survivor.output()
    finally:
        tocsin.close()


@pytest.mark.skipif(
    not on_postgres(),
    reason="several workers need PostgreSQL: SQLite's one writer takes one batch at a time "
    "(set TOCSIN_DATABASE_URL=postgres://…)",
)
def test_two_workers_on_postgresql_act_on_each_event_once_and_on_each_key_in_order(tmp_path):
    tocsin, tokens = live(tmp_path, "intake-two", 4)
    try:
        server = tocsin.serve(workers=2, with_worker=False)
        sent, events = sequences(tokens, keys_per_integration=15, length=8, seed=4)
        send_all(server, events[: len(events) // 2])
        workers = [tocsin.worker(f"worker-{n}") for n in (1, 2)]
        send_all(server, events[len(events) // 2 :])  # the rest while both are at work
        wait_for(lambda: waiting(tocsin) == 0, timeout=120, what="both workers to drain")
        check_acted_on_once_in_order(tocsin, sent)
        for worker in workers:
            assert "Traceback" not in worker.output(), worker.output()
    finally:
        tocsin.close()


ROTATE = """
from tocsin.alerting.models import Integration
from tocsin.alerting.services import rotate_token
from tocsin.accounts.models import User

integration = Integration.objects.get()
admin = User.objects.create_superuser("root@example.com", "x" * 20)
emit(rotate_token(integration=integration, by=admin).token)
"""


def test_a_rotated_key_is_refused_at_once_by_every_web_process(tmp_path):
    tocsin, [old] = live(tmp_path, "intake-keys", 1)
    try:
        server = tocsin.serve(workers=3, with_worker=False)
        # Each request on a connection of its own, which any of the three processes may take.
        for n in range(30):
            with httpx.Client(timeout=30) as http:
                response = http.post(
                    f"{server.url}/v2/enqueue", json=pagerduty(old, f"warm-{n}", "trigger")
                )
                assert response.status_code == 202

        new = tocsin.python(ROTATE)

        for n in range(30):
            with httpx.Client(timeout=30) as http:
                refused = http.post(
                    f"{server.url}/v2/enqueue", json=pagerduty(old, f"late-{n}", "trigger")
                )
                accepted = http.post(
                    f"{server.url}/v2/enqueue", json=pagerduty(new, f"new-{n}", "trigger")
                )
            assert (refused.status_code, accepted.status_code) == (404, 202)
        assert tocsin.value("SELECT count(*) FROM alerting_intakeevent") == 60
    finally:
        tocsin.close()
