"""Nothing is doubled and nothing is lost when the same alerts arrive at once.

Twenty clients post to a real `tocsin serve` with several web processes on PostgreSQL, released
together by a barrier, so that the requests really overlap in different processes and
transactions; two `tocsin worker` processes then act on what was accepted, at the same time.
On SQLite every write transaction takes the database lock up front
(`transaction_mode=IMMEDIATE`), so requests cannot interleave there and these tests would
prove nothing: they run when the suite runs on PostgreSQL.
"""

import threading
import uuid

import httpx
import pytest

from tests.support.live import LiveTocsin, on_postgres, wait_for
from tocsin.alerting.grouping import incident_key

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(
        not on_postgres(),
        reason="concurrent writers need PostgreSQL: SQLite serialises every write transaction "
        "(set TOCSIN_DATABASE_URL=postgres://…)",
    ),
]

CLIENTS = 20

SETUP = """
from tocsin.accounts.models import Team
from tocsin.alerting.models import Integration

team = Team.objects.create(name="Payments", slug="payments")
prometheus = Integration.objects.create(
    kind="alertmanager", name="Prometheus", team=team, rate_limit_per_minute=100_000
)
emit({"token": prometheus.token, "id": prometheus.pk, "team": team.pk})
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Tocsin on its own PostgreSQL database, four web processes of four threads each, and two
    workers."""
    tocsin = LiveTocsin(tmp_path_factory.mktemp("tocsin"), name="concurrency")
    try:
        integration = tocsin.python(SETUP)
        server = tocsin.serve(workers=4, with_worker=False)
        for name in ("worker-1", "worker-2"):
            tocsin.worker(name).wait_until_started()
        server.tocsin = tocsin
        yield tocsin, server, integration
    finally:
        tocsin.close()


def notification(*alerts: dict) -> dict:
    """An Alertmanager webhook (version 4) notification carrying `alerts`."""
    first = alerts[0]
    return {
        "receiver": "tocsin",
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "alerts": list(alerts),
        "groupLabels": {"alertname": first["labels"]["alertname"]},
        "commonLabels": {"alertname": first["labels"]["alertname"]},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{first["labels"]["alertname"]}"}}',
        "truncatedAlerts": 0,
    }


def alert(alertname: str, instance: str, *, status: str = "firing") -> dict:
    return {
        "status": status,
        "labels": {"alertname": alertname, "instance": instance, "severity": "critical"},
        "annotations": {"summary": f"{alertname} on {instance}"},
        "startsAt": "2026-11-22T09:04:33.053560352Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T09:14:33Z",
        "generatorURL": "http://prometheus.example.org/graph?g0.expr=up",
        "fingerprint": uuid.uuid5(uuid.NAMESPACE_DNS, f"{alertname}/{instance}").hex[:16],
    }


def stored_key(integration, alertname: str) -> str:
    """The grouping key an incident of these alerts stores: the default key within the team."""
    return incident_key(integration["team"], f"alert:integration-{integration['id']}/{alertname}")


def post_at_once(server, integration, bodies: list[dict]) -> list[httpx.Response]:
    """Post every body from its own thread and connection, all released by one barrier, and
    check that every one was accepted without an error in the server's log."""
    logged_before = len(server.output())
    url = f"{server.url}/api/v1/integrations/{integration['token']}/alertmanager"
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    # Warm every web process up first. Each client then opens its own connection when released:
    # a connection opened earlier and left idle past gunicorn's keep-alive (2 s) while the others
    # warm up would be closed under it, which is not what these tests are about.
    with httpx.Client(timeout=30) as http:
        for _ in range(len(bodies)):
            http.get(f"{server.url}/admin/login/", headers={"Connection": "close"})

    def client(index: int) -> None:
        with httpx.Client(timeout=30) as http:
            barrier.wait(timeout=30)
            try:
                responses[index] = http.post(url, json=bodies[index])
            except httpx.HTTPError as error:
                responses[index] = error

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    log = server.output()[logged_before:]
    statuses = [getattr(r, "status_code", r) for r in responses]
    assert statuses == [202] * len(responses), log
    assert "Traceback" not in log, log
    wait_for(
        lambda: (
            server.tocsin.value(
                "SELECT count(*) FROM alerting_intakeevent WHERE processed_at IS NULL"
            )
            == 0
        ),
        what="the workers to act on every accepted event",
    )
    assert server.tocsin.value("SELECT count(*) FROM alerting_intakeevent WHERE error <> ''") == 0
    for process in server.tocsin.processes:
        assert "Traceback" not in process.output(), process.output()
    return responses


def test_the_same_new_alert_twenty_times_at_once_is_one_alert_seen_twenty_times(live):
    tocsin, server, integration = live
    body = notification(alert("CheckoutErrors", "web1"))

    responses = post_at_once(server, integration, [body] * CLIENTS)

    [(alert_id, count, status, incident_id)] = tocsin.rows(
        "SELECT id, count, status, incident_id FROM alerting_alert WHERE summary = %s",
        ("CheckoutErrors on web1",),
    )
    assert (count, status) == (CLIENTS, "firing")
    [(only_incident, incident_status)] = tocsin.rows(
        "SELECT id, status FROM incidents_incident WHERE grouping_key = %s",
        (stored_key(integration, "CheckoutErrors"),),
    )
    assert (only_incident, incident_status) == (incident_id, "triggered")
    events = tocsin.value(
        "SELECT count(*) FROM alerting_alertevent WHERE alert_id = %s", (alert_id,)
    )
    assert events == CLIENTS
    assert {r.json()["alerts"][0]["action"] for r in responses} == {"trigger"}
    decisions = [
        decided[-1]
        for (decided,) in tocsin.rows(
            "SELECT decisions FROM alerting_alertevent WHERE alert_id = %s", (alert_id,)
        )
    ]
    assert decisions.count(f"Still part of INC-{incident_id}") == CLIENTS - 1


def test_twenty_new_alerts_of_one_group_at_once_open_one_incident(live):
    tocsin, server, integration = live
    bodies = [notification(alert("PayoutsStuck", f"worker{i}")) for i in range(CLIENTS)]

    post_at_once(server, integration, bodies)

    rows = tocsin.rows(
        "SELECT count, status, incident_id FROM alerting_alert WHERE summary LIKE %s",
        ("PayoutsStuck on worker%",),
    )
    assert len(rows) == CLIENTS
    assert {(count, status) for count, status, _ in rows} == {(1, "firing")}
    [(incident_id, status)] = tocsin.rows(
        "SELECT id, status FROM incidents_incident WHERE grouping_key = %s",
        (stored_key(integration, "PayoutsStuck"),),
    )
    assert status == "triggered"
    assert {incident for _, _, incident in rows} == {incident_id}
    timeline = [
        message
        for (message,) in tocsin.rows(
            "SELECT message FROM incidents_timelineevent WHERE incident_id = %s AND kind = 'alert'",
            (incident_id,),
        )
    ]
    assert sum(m.startswith("Alert opened the incident") for m in timeline) == 1
    assert sum(m.startswith("Alert joined") for m in timeline) == CLIENTS - 1


def test_notifications_with_overlapping_alerts_of_one_group_are_all_counted(live):
    """Each notification carries two of five alerts of one group, as Alertmanager replicas
    sending overlapping groups would: rows are locked in different orders, and a deadlock that
    PostgreSQL breaks is retried, never answered with a 500."""
    tocsin, server, integration = live
    instances = [f"db{i}" for i in range(5)]
    bodies = [
        notification(
            alert("ReplicaLag", instances[i % 5]), alert("ReplicaLag", instances[(i + 1) % 5])
        )
        for i in range(CLIENTS)
    ]

    post_at_once(server, integration, bodies)

    rows = tocsin.rows(
        "SELECT summary, count, status, incident_id FROM alerting_alert WHERE summary LIKE %s",
        ("ReplicaLag on %",),
    )
    seen = CLIENTS * 2 // len(instances)
    assert sorted((summary, count, status) for summary, count, status, _ in rows) == [
        (f"ReplicaLag on {instance}", seen, "firing") for instance in instances
    ]
    [(incident_id,)] = tocsin.rows(
        "SELECT id FROM incidents_incident WHERE grouping_key = %s",
        (stored_key(integration, "ReplicaLag"),),
    )
    assert {incident for *_, incident in rows} == {incident_id}


@pytest.mark.parametrize("round_", range(10))
def test_a_resolution_racing_new_alerts_of_its_group_leaves_none_unattended(live, round_):
    """The last alert of an incident resolves while new alerts of its group arrive. Whichever
    wins, the new alerts stay firing (their source never resolved them) and belong to one open
    incident: a firing alert on a resolved incident would never page anyone."""
    tocsin, server, integration = live
    name = f"QueueBacklog{round_}"
    post_at_once(server, integration, [notification(alert(name, "old"))])
    bodies = [notification(alert(name, "old", status="resolved"))] + [
        notification(alert(name, f"new{i}")) for i in range(CLIENTS - 1)
    ]

    post_at_once(server, integration, bodies)

    rows = tocsin.rows(
        "SELECT a.summary, a.status, i.status FROM alerting_alert a "
        "JOIN incidents_incident i ON i.id = a.incident_id WHERE a.summary LIKE %s",
        (f"{name} on %",),
    )
    alerts = {summary.split(" on ")[1]: (status, incident) for summary, status, incident in rows}
    assert alerts.pop("old")[0] == "resolved"
    wrong = {
        instance: states
        for instance, states in alerts.items()
        if states[0] != "firing" or states[1] == "resolved"
    }
    assert wrong == {}
    assert len(alerts) == CLIENTS - 1
    open_incidents = tocsin.rows(
        "SELECT id FROM incidents_incident WHERE grouping_key = %s AND status <> 'resolved'",
        (stored_key(integration, name),),
    )
    assert len(open_incidents) == 1
