"""Incident list benchmark: the web list and GET /api/v1/incidents with 100,000 incidents.

    .venv/bin/python bench/incident_list.py                       # SQLite
    .venv/bin/python bench/incident_list.py --postgres --no-sqlite

A fresh Tocsin with 10 teams, 30 services and 100,000 incidents written in bulk: 90% resolved,
the rest triggered, acknowledged, identified, monitoring or cancelled, spread over the
severities, teams and the last three years. Then, signed in as an admin (a session cookie) on
the web list and with an API token on the API, one client asks each case in turn: the first
page, open P1s, a search for a word of the title, a search for a reference, and a deep page
(page 2,000 of the web list, the same rows from the API by offset, and, where the answer
offers one, the next page by its `cursor`). `--requests` timed requests a case after
`--warmup` untimed ones; it prints p50/p95/max and checks every answer is a 200 that lists
incidents. It asserts nothing about speed.
"""

import argparse
import http.client
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import quote

from common import TOCSIN, Deployment, add_database_options, percentile, run_each

INCIDENTS = 100_000
WEB_PAGE = 25
DEEP_PAGE = 2000

SETUP = """
import random, sys, django
django.setup()
from datetime import timedelta
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from tocsin.accounts.models import Membership, Team, User
from tocsin.incidents.models import Incident, Service, Severity

total = int(sys.argv[1])
random.seed(11)
admin = User.objects.create_user(
    email="admin@bench.example", password=None, role="admin", display_name="Admin"
)
people = User.objects.bulk_create(
    User(email=f"responder{n}@bench.example", display_name=f"Responder {n}") for n in range(20)
)
teams = Team.objects.bulk_create(
    Team(name=f"Team {n}", slug=f"team-{n}") for n in range(10)
)
Membership.objects.bulk_create(Membership(team=t, user=admin) for t in teams[:3])
services = Service.objects.bulk_create(
    Service(name=f"Service {n}", slug=f"service-{n}", team=teams[n % 10]) for n in range(30)
)
severities = list(Severity.objects.order_by("rank"))
weights = [5, 15, 40, 40][: len(severities)] + [10] * max(0, len(severities) - 4)
words = ["Checkout", "Login", "Search", "Payments", "Replication", "Queue", "Certificate",
         "DNS", "Disk", "Latency", "Webhook", "Billing"]
problems = ["returns 502", "is slow", "times out", "fails for some users", "lags behind",
            "is full", "expired", "errors on retry"]
now = timezone.now()
batch = []
for n in range(total):
    reported = now - timedelta(seconds=random.randint(60, 3 * 365 * 86400))
    roll = random.random()
    status = (
        "resolved" if roll < 0.90 else "cancelled" if roll < 0.91 else
        random.choice(["triggered", "acknowledged", "identified", "monitoring"])
    )
    owner = random.choice(people) if status != "triggered" else None
    incident = Incident(
        title=f"{random.choice(words)} {random.choice(problems)} ({n})",
        description="What we saw, and what we tried first.",
        severity=random.choices(severities, weights)[0],
        status=status,
        team=random.choice(teams),
        source=random.choice(["manual", "alert", "alert", "api"]),
        drill=random.random() < 0.02,
        reported_by=random.choice(people),
        reported_at=reported,
        acknowledged_by=owner,
        acknowledged_at=reported + timedelta(minutes=3) if owner else None,
    )
    if status == "resolved":
        incident.resolved_at = reported + timedelta(minutes=random.randint(5, 600))
        incident.resolved_by = owner
        incident.resolution = "Rolled back the deploy."
    if status == "cancelled":
        incident.cancelled_at = reported + timedelta(minutes=10)
        incident.cancel_reason = "A false alarm."
    batch.append(incident)
    if len(batch) == 5000:
        made = Incident.objects.bulk_create(batch)
        Incident.services.through.objects.bulk_create(
            Incident.services.through(incident_id=i.pk, service_id=random.choice(services).pk)
            for i in made
        )
        batch = []
if batch:
    made = Incident.objects.bulk_create(batch)
    Incident.services.through.objects.bulk_create(
        Incident.services.through(incident_id=i.pk, service_id=random.choice(services).pk)
        for i in made
    )
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(admin.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
session.create()
middle = Incident.objects.order_by("pk")[total // 2].pk
print(settings.SESSION_COOKIE_NAME, session.session_key, middle)
"""


def analyse(database: str, deployment: Deployment) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or `ANALYZE` would give them."""
    conn = deployment.connect()
    try:
        conn.execute("ANALYZE")
        if database == "sqlite":
            conn.commit()
    finally:
        conn.close()


def cases(reference: int) -> list[tuple[str, str, str]]:
    """(what, web path, API path) for each case."""
    deep = (DEEP_PAGE - 1) * WEB_PAGE
    api = f"/api/v1/incidents?limit={WEB_PAGE}"
    return [
        ("first page", "/incidents/?scope=all", api),
        (
            "open P1s",
            "/incidents/?scope=all&status=open&severity=P1",
            f"{api}&status=open&severity=P1",
        ),
        ("search a word", "/incidents/?scope=all&q=certificate", f"{api}&q=certificate"),
        (
            "search a reference",
            f"/incidents/?scope=all&q=INC-{reference}",
            f"{api}&q=INC-{reference}",
        ),
        (f"page {DEEP_PAGE:,}", f"/incidents/?scope=all&page={DEEP_PAGE}", f"{api}&offset={deep}"),
    ]


class Client:
    def __init__(self, port: int, headers: dict):
        self.port = port
        self.headers = headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[int, bytes, float]:
        for attempt in (1, 2):
            began = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                # The server closes a keep-alive connection left idle; a new one, untimed.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
                continue
            return response.status, body, time.perf_counter() - began


def looks_right(kind: str, status: int, body: bytes) -> bool:
    if status != 200:
        return False
    if kind == "api":
        return bool(json.loads(body)["items"])
    return b'class="incident-row' in body and b"row-title" in body


def measure(client: Client, kind: str, path: str, warmup: int, requests: int) -> dict:
    bad = 0
    for _ in range(warmup):
        status, body, _ = client.get(path)
        if not looks_right(kind, status, body):
            sys.exit(f"{path}: {status} {body[:300]!r}")
    latencies = []
    for _ in range(requests):
        status, body, seconds = client.get(path)
        latencies.append(seconds * 1000)
        bad += not looks_right(kind, status, body)
    latencies.sort()
    return {
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "max": latencies[-1],
        "bad": bad,
        "count": count_shown(kind, body),
        "next": next_cursor(kind, body),
    }


def count_shown(kind: str, body: bytes) -> str:
    """The total as the answer gives it: the API's `count` (and `count_is_exact` if present),
    the line under the web list's heading."""
    if kind == "api":
        data = json.loads(body)
        exact = data.get("count_is_exact", True)
        return f"{data['count']:,}" + ("" if exact else " (at least)")
    found = re.search(rb'<p class="muted">([^<]*?) incidents?', body)
    return found.group(1).decode() if found else "?"


def next_cursor(kind: str, body: bytes) -> str | None:
    if kind == "api":
        return json.loads(body).get("next_cursor")
    found = re.search(rb'href="\?([^"]*cursor=[^"&]+[^"]*)" rel="next"', body)
    return found.group(1).decode().replace("&amp;", "&") if found else None


def run_one(args, database: str, workdir: Path) -> dict:
    deployment = Deployment(database=database, postgres_url=args.postgres_url, workdir=workdir)
    try:
        deployment._run(TOCSIN, "migrate", "-v", "0")
        began = time.perf_counter()
        cookie, session, reference = deployment._run(
            sys.executable, "-c", SETUP, str(args.incidents)
        ).split()[-3:]
        analyse(database, deployment)
        seconds = time.perf_counter() - began
        print(f"[{database}] {args.incidents:,} incidents set up in {seconds:.1f} s")
        token = deployment._run(TOCSIN, "token", "create", "admin@bench.example").split()[0]
        deployment.serve(args.workers, "--no-worker", settle=1.0)
        clients = {
            "web": Client(deployment.port, {"Cookie": f"{cookie}={session}"}),
            "api": Client(deployment.port, {"Authorization": f"Bearer {token}"}),
        }
        results = []
        for what, web_path, api_path in cases(int(reference)):
            for kind, path in (("web", web_path), ("api", api_path)):
                result = measure(clients[kind], kind, path, args.warmup, args.requests)
                results.append((kind, what, result))
                print(f"  {kind} {what}: p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms")
                if what.startswith("page ") and result["next"]:
                    after = (
                        f"/incidents/?{result['next']}"
                        if kind == "web"
                        else f"/api/v1/incidents?limit={WEB_PAGE}&cursor={quote(result['next'])}"
                    )
                    following = measure(clients[kind], kind, after, args.warmup, args.requests)
                    results.append((kind, "the next by cursor", following))
                    print(f"  {kind} next by cursor: p95 {following['p95']:.0f} ms")
    finally:
        deployment.stop()
    print(
        f"\n[{database}] {args.workers} web processes, one client, "
        f"{args.requests} requests a case after {args.warmup} warm-up"
    )
    print(
        f"{'':4} {'case':20} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'errors':>6}  count shown"
    )
    for kind, what, result in sorted(results, key=lambda r: r[0] != "web"):
        print(
            f"{kind:4} {what:20} {result['p50']:7.1f} {result['p95']:7.1f} {result['max']:7.1f} "
            f"{result['bad']:6d}  {result['count']}"
        )
    return {"database": database, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=INCIDENTS, help="default 100,000")
    parser.add_argument("--requests", type=int, default=50, help="timed requests a case")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests a case first")
    add_database_options(parser)
    args = parser.parse_args()
    run_each(parser, args, run_one)


if __name__ == "__main__":
    main()
