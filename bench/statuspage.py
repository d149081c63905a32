"""Status page benchmark: the public page and summary.json under load, against the floor.

    .venv/bin/python bench/statuspage.py                  # SQLite, 16 clients, 10 s a path
    .venv/bin/python bench/statuspage.py --postgres --no-sqlite --workers 4

A fresh Tocsin with 100 components in 10 groups (90-day uptime shown), 1,000 resolved public
incidents of three updates each and 10,000 confirmed e-mail subscribers. For each path it
prints requests per second and p50/p99 latency, next to the floor: /bench/floor, a Django view
returning a constant body of the same size through the same server, processes and middleware
(bench/floor_settings.py), measured in turns with the path (four rounds each). Then the time
from an update posted through the REST API to it being visible in summary.json and on the page
(5 updates), and the time `tocsin statuspage export` takes for the whole page. It checks every
answer is a 200 of the expected size and asserts nothing about speed.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from common import TOCSIN, Deployment, add_database_options, percentile, run_each

BENCH = Path(__file__).resolve().parent
ROUNDS = 4  # the path and the floor measured in turns

SETUP = """
import random, django
django.setup()
from datetime import timedelta
from django.utils import timezone
from tocsin.accounts.models import User
from tocsin.statuspage.models import (
    Component, ComponentGroup, IncidentUpdate, Page, PublicIncident, Subscriber,
)
from tocsin.statuspage.snapshot import render_page

random.seed(7)
User.objects.create_user(
    email="admin@bench.example", password=None, role="admin", display_name="Admin"
)
page = Page.objects.get(is_default=True)
groups = ComponentGroup.objects.bulk_create(
    ComponentGroup(page=page, name=f"Group {g}", position=g) for g in range(10)
)
components = Component.objects.bulk_create(
    Component(page=page, group=groups[i // 10], name=f"Component {i}", position=i, showcase=True)
    for i in range(100)
)
now = timezone.now()
incidents = []
for n in range(1000):
    started = now - timedelta(hours=2 * n + 3)
    incidents.append(PublicIncident(
        page=page, name=f"Past incident {n}", status="resolved", started_at=started,
        published_at=started, resolved_at=started + timedelta(hours=1),
        created_at=started, updated_at=started + timedelta(hours=1),
    ))
incidents = PublicIncident.objects.bulk_create(incidents)
through = PublicIncident.components.through
through.objects.bulk_create(
    through(publicincident_id=i.pk, component_id=c.pk)
    for i in incidents for c in random.sample(components, 2)
)
IncidentUpdate.objects.bulk_create(
    IncidentUpdate(incident=i, status=status, body=f"{status.title()}: what we know, step {k}.",
                   display_at=i.started_at + timedelta(minutes=20 * k))
    for i in incidents for k, status in enumerate(["investigating", "identified", "resolved"])
)
subscribers = Subscriber.objects.bulk_create(
    Subscriber(page=page, kind="email", email=f"reader{n}@bench.example", confirmed_at=now)
    for n in range(10000)
)
through = Subscriber.components.through
through.objects.bulk_create(
    through(subscriber_id=s.pk, component_id=c.pk)
    for s in subscribers for c in random.sample(components, random.randint(1, 3))
)
render_page(page.pk)
print(components[0].code)
"""


def get(conn, path):
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def load(port: int, path: str, clients: int, duration: float, size: int) -> dict:
    """`clients` threads, one keep-alive connection each, GET `path` flat out for `duration`."""
    latencies: list[float] = []
    bad = []
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            began = time.perf_counter()
            status, body = get(conn, path)
            mine.append(time.perf_counter() - began)
            if status != 200 or len(body) != size:
                bad.append((status, len(body)))
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "elapsed": time.monotonic() - began, "bad": len(bad)}


def summed(runs: list[dict]) -> dict:
    """Several runs of one path as one: requests per second over their time, percentiles of
    all their latencies."""
    latencies = sorted(latency for run in runs for latency in run["latencies"])
    return {
        "rps": len(latencies) / sum(run["elapsed"] for run in runs),
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "bad": sum(run["bad"] for run in runs),
    }


def against_floor(port, path, floor, clients, duration, size, rounds=ROUNDS):
    """The path and the floor in turns (`rounds` each, the order swapped every round), so a
    machine that slows down or speeds up during the run weighs on both alike."""
    real, base = [], []
    for n in range(rounds):
        order = [(path, real), (floor, base)]
        for target, runs in order if n % 2 == 0 else reversed(order):
            runs.append(load(port, target, clients, duration / rounds, size))
    return summed(real), summed(base)


def api(port, token, method, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        method,
        path,
        json.dumps(body),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status >= 300:
        sys.exit(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data)


def until_visible(port, path, needle: bytes, began: float) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() - began < 30:
        status, body = get(conn, path)
        if status == 200 and needle in body:
            conn.close()
            return time.perf_counter() - began
        time.sleep(0.005)
    sys.exit(f"{needle!r} not visible in {path} after 30 s")


def run_one(args, database: str, workdir: Path) -> dict:
    deployment = Deployment(database=database, postgres_url=args.postgres_url, workdir=workdir)
    deployment.env["DJANGO_SETTINGS_MODULE"] = "floor_settings"
    deployment.env["PYTHONPATH"] = os.pathsep.join(
        [str(BENCH), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    try:
        deployment._run(TOCSIN, "migrate", "-v", "0")
        began = time.perf_counter()
        component = deployment._run(sys.executable, "-c", SETUP).split()[-1]
        print(f"[{database}] data set up in {time.perf_counter() - began:.1f} s")
        token = deployment._run(TOCSIN, "token", "create", "admin@bench.example").split()[0]
        deployment.serve(args.workers, "--no-worker", settle=1.0)
        port = deployment.port
        results = {}
        for path in ("/status/", "/status/api/v2/summary.json"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, body = get(conn, path)
            conn.close()
            assert status == 200, (path, status)
            size = len(body)
            floor = f"/bench/floor?size={size}"
            load(port, floor, args.clients, 1.0, size)  # warm-up
            load(port, path, args.clients, 1.0, size)
            real, get_floor = against_floor(port, path, floor, args.clients, args.duration, size)
            results[path] = (size, real, get_floor)
        visible = []
        for n in range(5):
            began = time.perf_counter()
            if n == 0:
                made = api(
                    port,
                    token,
                    "POST",
                    "/api/v1/status/incidents",
                    {
                        "name": "Checkout is slow",
                        "body": "Investigating: update 0.",
                        "component_statuses": {component: "degraded_performance"},
                    },
                )
                code = made["code"]
            else:
                api(
                    port,
                    token,
                    "POST",
                    f"/api/v1/status/incidents/{code}/updates",
                    {"status": "identified", "body": f"Identified: update {n}."},
                )
            needle = f"update {n}.".encode()
            json_at = until_visible(port, "/status/api/v2/summary.json", needle, began)
            page_at = until_visible(port, "/status/", needle, began)
            visible.append((json_at, page_at))
        export_dir = workdir / f"export-{database}"
        began = time.perf_counter()
        deployment._run(TOCSIN, "statuspage", "export", str(export_dir))
        export_seconds = time.perf_counter() - began
        files = sum(1 for p in export_dir.rglob("*") if p.is_file())
    finally:
        deployment.stop()
    print(
        f"\n[{database}] {args.workers} web processes, {args.clients} clients, "
        f"{args.duration:.0f} s a path"
    )
    print(
        f"{'path':32} {'bytes':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'floor req/s':>12} {'floor p99':>9} {'ratio':>6} {'errors':>6}"
    )
    for path, (size, real, floor) in results.items():
        print(
            f"{path:32} {size:8d} {real['rps']:8.0f} {real['p50']:7.1f} {real['p99']:7.1f} "
            f"{floor['rps']:12.0f} {floor['p99']:9.1f} {real['rps'] / floor['rps']:6.2f} "
            f"{real['bad'] + floor['bad']:6d}"
        )
    json_times = [v[0] * 1000 for v in visible]
    page_times = [v[1] * 1000 for v in visible]
    print(
        f"update -> visible (5 updates): summary.json median {statistics.median(json_times):.0f} ms"
        f" max {max(json_times):.0f} ms; page median {statistics.median(page_times):.0f} ms"
        f" max {max(page_times):.0f} ms"
    )
    print(f"tocsin statuspage export: {files} files in {export_seconds:.2f} s (incl. start-up)")
    return {"database": database, "results": results, "visible": visible}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per path")
    args = parser.parse_args()
    run_each(parser, args, run_one)
    return 0


if __name__ == "__main__":
    sys.exit(main())
