"""The floor of alert intake: gunicorn, a JSON parser and one INSERT, with nothing of Tocsin's.

`bench/ingest.py` serves this right after Tocsin and drives it with the same client and the
same requests, so the ratio of the two rates says how much of the machine Tocsin's own intake
costs. It runs under `tocsin serve`'s gunicorn settings (the same options, applied by
`tocsin.server.serve` itself: gthread workers, 4 threads each, the access log) with this file's
WSGI application in place of Tocsin's. Each request:

- is read (at most Tocsin's body limit) and parsed with `json.loads`, refusing NaN/Infinity;
- is checked as Tocsin checks its shape: a PagerDuty Events v2 event (`/v2/enqueue`: the
  routing key, the action, the dedup key, a trigger's summary, source and severity) or an
  Alertmanager webhook (`/api/v1/integrations/{token}/alertmanager`: the token, version 4, each
  alert's status and labels); bad input is answered 400/404/422 and stores nothing;
- is committed as one row (received_at, body, alert count) with one INSERT … RETURNING into the
  scratch table `bench_floor_event`, on the same database engine and with the same durability
  settings as Tocsin (SQLite: WAL, synchronous=NORMAL, BEGIN IMMEDIATE; PostgreSQL: a
  transaction per request), one connection per thread kept open;
- is answered 202 with a body shaped like Tocsin's.

    python bench/floor_intake.py --port 8001 --workers 2

The environment is Tocsin's (TOCSIN_DATA_DIR, TOCSIN_DATABASE_URL); BENCH_FLOOR_TOKENS holds the
integration tokens accepted, comma-separated. On SQLite the table lives in its own file,
`floor.sqlite3` in the data directory.
"""

import argparse
import json
import os
import sqlite3
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

TOKENS = frozenset(t for t in os.environ.get("BENCH_FLOOR_TOKENS", "").split(",") if t)
DATABASE_URL = os.environ.get("TOCSIN_DATABASE_URL", "")
SQLITE_PATH = Path(os.environ.get("TOCSIN_DATA_DIR", ".")) / "floor.sqlite3"
LIMIT = int(os.environ.get("TOCSIN_MAX_BODY_BYTES", 1024 * 1024))  # as Tocsin's settings
TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_floor_event ("
    "id {id} PRIMARY KEY, received_at {time} NOT NULL, body TEXT NOT NULL, "
    "alert_count INTEGER NOT NULL)"
)
INSERT = "INSERT INTO bench_floor_event (received_at, body, alert_count) VALUES ({p}, {p}, {p})"
ACTIONS = frozenset({"trigger", "acknowledge", "resolve"})
SEVERITIES = frozenset({"critical", "error", "warning", "info"})
STATUSES = frozenset({"firing", "resolved"})


class Invalid(Exception):
    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message


def _not_a_number(literal: str):
    raise ValueError(f"{literal} is not a JSON number")


def _text(container: dict, key: str, where: str, maximum: int = 1024) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Invalid(422, f"'{where}{key}' is missing or blank")
    if len(value) > maximum:
        raise Invalid(422, f"'{where}{key}' is too long")
    return value


def pagerduty(event) -> tuple[str, int]:
    """The dedup key and the number of alerts (1) of a PagerDuty Events v2 event."""
    if not isinstance(event, dict):
        raise Invalid(400, "the event is not an object")
    if event.get("routing_key") not in TOKENS:
        raise Invalid(404, "'routing_key' is not the key of an enabled integration")
    if event.get("event_action") not in ACTIONS:
        raise Invalid(422, "'event_action' is missing or invalid")
    dedup_key = _text(event, "dedup_key", "", maximum=255)
    if event["event_action"] == "trigger":
        details = event.get("payload")
        if not isinstance(details, dict):
            raise Invalid(422, "'payload' is missing")
        _text(details, "summary", "payload.")
        _text(details, "source", "payload.")
        if details.get("severity") not in SEVERITIES:
            raise Invalid(422, "'payload.severity' is missing or invalid")
    return dedup_key, 1


def alertmanager(token: str, notification) -> list[tuple[str, str]]:
    """(fingerprint, status) of each alert of an Alertmanager webhook (version 4)."""
    if token not in TOKENS:
        raise Invalid(404, "no enabled integration has this token")
    if not isinstance(notification, dict) or notification.get("version") != "4":
        raise Invalid(422, "not an Alertmanager webhook of version 4")
    alerts = notification.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise Invalid(422, "'alerts' is missing or empty")
    found = []
    for alert in alerts:
        if not isinstance(alert, dict) or alert.get("status") not in STATUSES:
            raise Invalid(422, "an alert's 'status' is missing or invalid")
        if not isinstance(alert.get("labels"), dict) or "alertname" not in alert["labels"]:
            raise Invalid(422, "an alert's 'labels.alertname' is missing")
        fingerprint = alert.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint:
            fingerprint = json.dumps(alert["labels"], sort_keys=True)
        found.append((fingerprint, alert["status"]))
    return found


class Store:
    """One connection per thread, kept open; `insert` commits one row and returns its id."""

    def __init__(self):
        self.local = threading.local()

    def connect(self):
        if DATABASE_URL:
            import psycopg

            return psycopg.connect(DATABASE_URL)
        conn = sqlite3.connect(SQLITE_PATH, timeout=20, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def create_table(self) -> None:
        conn = self.connect()
        if DATABASE_URL:
            conn.execute(TABLE.format(id="BIGSERIAL", time="TIMESTAMPTZ"))
            conn.commit()
        else:
            conn.execute(TABLE.format(id="INTEGER", time="TEXT"))
        conn.close()

    def insert(self, body: str, alerts: int) -> int:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.connect()
        now = datetime.now(UTC)
        try:
            if DATABASE_URL:
                sql = INSERT.format(p="%s") + " RETURNING id"
                pk = conn.execute(sql, (now, body, alerts)).fetchone()[0]
                conn.commit()
            else:
                conn.execute("BEGIN IMMEDIATE")
                sql = INSERT.format(p="?") + " RETURNING id"
                pk = conn.execute(sql, (now.isoformat(), body, alerts)).fetchone()[0]
                conn.execute("COMMIT")
        except Exception:
            self.local.conn = None
            conn.close()
            raise
        return pk


STORE = Store()


def _answer(start_response, status: int, body: dict):
    data = json.dumps(body).encode()
    reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 413: "Too Large"}
    start_response(
        f"{status} {reason.get(status, 'Unprocessable Entity')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":  # what the benchmark asks to see that it is up
        return _answer(start_response, 200, {"floor": True})
    declared = environ.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > LIMIT:
        return _answer(start_response, 413, {"error": f"the body is larger than {LIMIT} bytes"})
    raw = environ["wsgi.input"].read(int(declared))
    route = environ.get("PATH_INFO", "").split("/")
    try:
        try:
            payload = json.loads(raw, parse_constant=_not_a_number)
            text = raw.decode("utf-8")
        except ValueError as error:
            raise Invalid(400, f"the body is not valid JSON: {error}") from None
        if route == ["", "v2", "enqueue"]:
            dedup_key, count = pagerduty(payload)
            STORE.insert(text, count)
            answer = {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        elif len(route) == 6 and route[:4] == ["", "api", "v1", "integrations"]:
            if route[5] != "alertmanager":
                raise Invalid(404, "not an Alertmanager integration")
            alerts = alertmanager(route[4], payload)
            pk = STORE.insert(text, len(alerts))
            answer = {
                "status": "accepted",
                "event": pk,
                "alerts": [{"fingerprint": f, "action": "queued"} for f, _ in alerts],
            }
        else:
            raise Invalid(404, "no such endpoint")
    except Invalid as invalid:
        return _answer(start_response, invalid.status, {"error": invalid.message})
    return _answer(start_response, 202, answer)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    STORE.create_table()

    # `tocsin serve`'s gunicorn, options and all, serving this application instead of Tocsin.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tocsin.settings")
    import django

    django.setup()
    from tocsin import server

    class Floor(server._Gunicorn):
        def load(self):
            return application

    server._Gunicorn = Floor
    return server.serve(host="127.0.0.1", port=args.port, workers=args.workers, with_worker=False)


if __name__ == "__main__":
    sys.exit(main())
