"""Alert intake benchmark: a real `tocsin serve`, many clients, then a check of what was stored.

    .venv/bin/python bench/ingest.py                         # SQLite, 16 clients flat out, 20 s
    .venv/bin/python bench/ingest.py --rate 300              # SQLite, 300 requests/s for 20 s
    .venv/bin/python bench/ingest.py --postgres --no-sqlite --workers 4

The clients post a mix of Alertmanager notifications (webhook version 4, shaped like the
captured samples) and PagerDuty Events v2 events. Most of the traffic is made of "stories",
each the life of one alert group, sent in order by whichever client picks the story up:

- Alertmanager: an alert fires (new), fires again 0-2 times (repeats), a second alert joins
  the group (both sent: one repeat, one new), the first resolves while the second still fires
  (a mixed notification), the second resolves. One incident, opened and then resolved.
- PagerDuty: trigger (new), trigger again 0-2 times with the same dedup_key, resolve.

Every tenth request repeats one of a few "hot" alerts that never resolve, posted by all
clients at once: concurrent deduplication of the same row.

It prints throughput, latency percentiles, errors by status and the peak memory of the server
processes, then reads the database and checks that every alert has the count and status its
accepted requests imply and every story has exactly one incident in the right state
(OK/MISMATCH). It asserts nothing about speed and exits 0 unless the server cannot start.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    HEADERS,
    TOCSIN,
    Deployment,
    add_database_options,
    machine_cpu,
    on_schedule,
    own_cpu,
    percentile,
    run_each,
)

HOT_ALERTS = 4
HOT_EVERY = 10  # every tenth request is a repeat of a hot alert

SETUP = """
import json, django
django.setup()
from tocsin.accounts.models import Team
from tocsin.alerting.models import Integration

team = Team.objects.create(name="Payments", slug="payments")
# The default limit (600 a minute) would refuse most of a benchmark's traffic with 429.
limit = 2_000_000_000
am = Integration.objects.create(
    kind="alertmanager", name="Prometheus", team=team, rate_limit_per_minute=limit
)
pd = Integration.objects.create(
    kind="pagerduty", name="PagerDuty client", team=team, rate_limit_per_minute=limit
)
print(json.dumps({"alertmanager": [am.pk, am.token], "pagerduty": [pd.pk, pd.token]}))
"""


# --- the workload -------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    body: bytes
    kind: str  # "new", "repeat", "grouped", "mixed", "resolve", "hot"
    alerts: list[tuple[str, str]]  # (fingerprint, "firing" | "resolved") as sent
    story: "Story | None" = None


@dataclass
class Story:
    """One alert group's life: requests sent in order, each after the previous was answered."""

    source: str  # "alertmanager" or "pagerduty"
    grouping_key: str
    steps: list[Request]
    sent: int = 0
    accepted: list[Request] = field(default_factory=list)
    uncertain: bool = False  # a request got no answer: it may or may not have been stored


def _fingerprint(*parts) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))).hex[:16]


def _am_alert(name: str, instance: str, status: str, started: str) -> dict:
    return {
        "status": status,
        "labels": {
            "alertname": name,
            "instance": f"{instance}.example.org:9100",
            "service": "checkout",
            "severity": "critical",
        },
        "annotations": {
            "description": f"{name} on {instance}: error ratio above 5% for 5 minutes",
            "runbook_url": "https://runbooks.example.org/checkout-errors",
            "summary": f"{name} on {instance}",
        },
        "startsAt": started,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else _now(),
        "generatorURL": "http://prometheus.example.org/graph?g0.expr=checkout_errors",
        "fingerprint": _fingerprint(name, instance),
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())


def _am_notification(path: str, name: str, alerts: list[dict], kind: str, story=None):
    body = {
        "receiver": "tocsin",
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "alerts": alerts,
        "groupLabels": {"alertname": name, "service": "checkout"},
        "commonLabels": {"alertname": name, "service": "checkout", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}", service="checkout"}}',
        "truncatedAlerts": 0,
    }
    return Request(
        path,
        json.dumps(body).encode(),
        kind,
        [(a["fingerprint"], a["status"]) for a in alerts],
        story,
    )


class Workload:
    """Hands out the next request that may be sent now; thread-safe."""

    def __init__(self, integrations: dict, seed: int):
        am_pk, am_token = integrations["alertmanager"]
        pd_pk, self.pd_token = integrations["pagerduty"]
        self.am_path = f"/api/v1/integrations/{am_token}/alertmanager"
        self.am_scope = f"alert:integration-{am_pk}/"
        self.pd_scope = f"alert:integration-{pd_pk}/"
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.ready: deque[Story] = deque()
        self.stories: list[Story] = []
        self.numbers = itertools.count(1)
        self.sent = itertools.count()
        self.hot_accepted: Counter[str] = Counter()
        self.hot_uncertain: set[str] = set()
        started = _now()
        self.hot = [
            (f"HotAlert{i}", _am_alert(f"HotAlert{i}", "edge1", "firing", started))
            for i in range(HOT_ALERTS)
        ]

    def next(self) -> Request:
        with self.lock:
            if next(self.sent) % HOT_EVERY == HOT_EVERY - 1:
                name, hot = self.random.choice(self.hot)
                return _am_notification(self.am_path, name, [hot], "hot")
            story = self.ready.popleft() if self.ready else self._new_story()
            request = story.steps[story.sent]
            story.sent += 1
            return request

    def answered(self, request: Request, status: int | None) -> None:
        """`status` None: no answer (timeout, connection reset)."""
        with self.lock:
            story = request.story
            if story is None:  # a hot alert
                fingerprint = request.alerts[0][0]
                if status == 202:
                    self.hot_accepted[fingerprint] += 1
                elif status is None:
                    self.hot_uncertain.add(fingerprint)
                return
            if status == 202:
                story.accepted.append(request)
            elif status is None:
                story.uncertain = True
            if story.sent < len(story.steps):
                self.ready.append(story)

    def _new_story(self) -> Story:
        number = next(self.numbers)
        repeats = self.random.randint(0, 2)
        if self.random.random() < 0.65:
            story = self._alertmanager_story(number, repeats)
        else:
            story = self._pagerduty_story(number, repeats)
        self.stories.append(story)
        return story

    def _alertmanager_story(self, number: int, repeats: int) -> Story:
        name = f"CheckoutErrors{number:06d}"
        story = Story("alertmanager", self.am_scope + name, [])
        started = _now()
        web1 = _am_alert(name, "web1", "firing", started)
        web2 = _am_alert(name, "web2", "firing", started)
        web1_resolved = _am_alert(name, "web1", "resolved", started)
        web2_resolved = _am_alert(name, "web2", "resolved", started)
        path = self.am_path
        story.steps = (
            [_am_notification(path, name, [web1], "new", story)]
            + [_am_notification(path, name, [web1], "repeat", story) for _ in range(repeats)]
            + [
                _am_notification(path, name, [web1, web2], "grouped", story),
                _am_notification(path, name, [web1_resolved, web2], "mixed", story),
                _am_notification(path, name, [web2_resolved], "resolve", story),
            ]
        )
        return story

    def _pagerduty_story(self, number: int, repeats: int) -> Story:
        summary = f"Payouts queue stuck on worker{number:06d}"
        dedup_key = uuid.uuid5(uuid.NAMESPACE_URL, f"pd/{number}").hex
        # No alertname: the alert's fingerprint, its dedup_key, is what groups it.
        story = Story("pagerduty", self.pd_scope + dedup_key, [])

        def event(action: str, kind: str) -> Request:
            body = {
                "routing_key": self.pd_token,
                "dedup_key": dedup_key,
                "event_action": action,
                "client": "Bench",
                "client_url": "https://monitoring.example.org/queues",
            }
            if action == "trigger":
                body["payload"] = {
                    "summary": summary,
                    "source": f"worker{number:06d}.example.org",
                    "severity": "critical",
                    "component": "payouts",
                    "group": "payments",
                    "class": "queue",
                    "custom_details": {"queue_depth": "1234", "oldest_seconds": "900"},
                }
            status = "resolved" if action == "resolve" else "firing"
            return Request("/v2/enqueue", json.dumps(body).encode(), kind, [(dedup_key, status)])

        steps = [event("trigger", "new")]
        steps += [event("trigger", "repeat") for _ in range(repeats)]
        steps.append(event("resolve", "resolve"))
        for step in steps:
            step.story = story
        story.steps = steps
        return story


# --- the clients --------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.kinds: Counter = Counter()
        self.alerts = 0
        self.not_sent = 0

    def add(self, request: Request, status, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            if status == 202:
                self.kinds[request.kind] += 1
                self.alerts += len(request.alerts)


class Connection:
    """One keep-alive HTTP/1.1 connection per client thread (http.client: little client CPU).

    gunicorn closes a keep-alive connection after 2 idle seconds; one idle for a second is
    replaced before use, so the benchmark does not race the server's close.
    """

    IDLE_SECONDS = 1.0

    def __init__(self, port: int):
        self.port = port
        self.conn = None
        self.last_used = 0.0

    def post(self, request: Request) -> int | str:
        """The answer's status, or "no answer (reason)" when there was none."""
        if self.conn is not None and time.monotonic() - self.last_used > self.IDLE_SECONDS:
            self._drop()
        reused = self.conn is not None
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.conn.request("POST", request.path, request.body, HEADERS)
            response = self.conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            closed_early = isinstance(
                error, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
            )
            if reused and closed_early:
                return self.post(request)  # the server closed it first: once more, fresh
            return f"no answer ({type(error).__name__})"
        self.last_used = time.monotonic()
        return response.status

    def _drop(self) -> None:
        self.conn.close()
        self.conn = None


def send(workload: Workload, results: Results, conn: Connection, measured: bool, since=None):
    request = workload.next()
    started = time.perf_counter() if since is None else since
    status = conn.post(request)
    elapsed = time.perf_counter() - started
    workload.answered(request, status if isinstance(status, int) else None)
    if measured:
        results.add(request, status, elapsed)


def run_flat_out(port, workload, *, clients: int, seconds: float, events: int, warmup: float):
    """`clients` threads, each sending its next request as soon as the last was answered."""
    results = Results()
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds if not events else float("inf")
    budget = itertools.count()

    def client():
        conn = Connection(port)
        while True:
            now = time.perf_counter()
            measured = now >= measure_from
            if now >= stop_at or (events and measured and next(budget) >= events):
                return
            send(workload, results, conn, measured)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - measure_from


def run_fixed_rate(port, workload, *, rate: float, seconds: float, warmup: float):
    """Requests are started on a fixed schedule, whether or not earlier ones were answered;
    latency counts from the scheduled time, so a server that falls behind shows it. Requests
    still waiting for a free client 10 s after the schedule ends are never sent: counted as
    "not sent" (the server could not keep up)."""
    results = Results()
    local = threading.local()

    def job(measured: bool, scheduled: float):
        if not hasattr(local, "conn"):
            local.conn = Connection(port)
        send(workload, results, local.conn, measured, since=scheduled)

    total = int(rate * (warmup + seconds))
    warm = int(rate * warmup)
    pool = ThreadPoolExecutor(max_workers=64)
    futures = []
    start = time.perf_counter()
    for i, scheduled in enumerate(on_schedule(start, total, rate)):
        futures.append(pool.submit(job, i >= warm, scheduled))
    wait(futures, timeout=10)
    results.not_sent = sum(future.cancel() for future in futures)
    pool.shutdown(wait=True)
    return results, time.perf_counter() - (start + warmup)


# --- the server ---------------------------------------------------------------------------


class IntakeDeployment(Deployment):
    """A migrated Tocsin with the benchmark's integrations, served by `tocsin serve`."""

    def __init__(self, *, database: str, postgres_url: str, workers: int, workdir: Path):
        super().__init__(database=database, postgres_url=postgres_url, workdir=workdir)
        self._run(TOCSIN, "migrate", "-v", "0")
        self.integrations = json.loads(self._run(sys.executable, "-c", SETUP).splitlines()[-1])
        # On PostgreSQL, run `tocsin worker` processes apart, as in production.
        options = ["--no-worker"] if database == "postgres" else []
        self.serve(workers, *options, settle=1)  # let every web worker finish booting

    def role(self, cmdline: str | None) -> str:
        if cmdline is None:
            return "gone"
        return "background worker" if " worker" in cmdline else "web worker"

    def peak_rss(self) -> dict[str, list[int]]:
        """Peak resident memory (VmHWM, KiB) of each server process, grouped by role."""
        peaks: dict[str, list[int]] = {}
        for pid, name in self.processes().items():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.setdefault(name, []).append(int(line.split()[1]))
        return peaks


# --- the check ----------------------------------------------------------------------------


def expected_state(workload: Workload):
    """What the database must hold, from the requests that were accepted, in their order."""
    alerts: dict[tuple[str, str], tuple[int, str]] = {}  # (kind, fingerprint) -> (count, status)
    incidents: dict[str, str] = {}  # grouping key -> "open" | "resolved"
    skipped = 0
    for story in workload.stories:
        if story.uncertain:
            skipped += 1
            continue
        firing: set[str] = set()
        for request in story.accepted:
            for fingerprint, status in request.alerts:
                key = (story.source, fingerprint)
                count, current = alerts.get(key, (0, "resolved"))
                if status == "firing":
                    alerts[key] = (count + 1 if current == "firing" else 1, "firing")
                    firing.add(fingerprint)
                elif current == "firing":
                    alerts[key] = (count, "resolved")
                    firing.discard(fingerprint)
            if alerts:
                incidents.setdefault(story.grouping_key, "open")
                if not firing and story.grouping_key in incidents:
                    incidents[story.grouping_key] = "resolved"
    for name, hot in workload.hot:
        fingerprint = hot["fingerprint"]
        if fingerprint in workload.hot_uncertain:
            continue
        if workload.hot_accepted[fingerprint]:
            alerts[("alertmanager", fingerprint)] = (workload.hot_accepted[fingerprint], "firing")
            incidents[workload.am_scope + name] = "open"
    return alerts, incidents, skipped


def check(deployment: Deployment, workload: Workload) -> tuple[bool, list[str]]:
    alerts, incidents, skipped = expected_state(workload)
    uncertain_keys = {s.grouping_key for s in workload.stories if s.uncertain}
    uncertain_keys |= {
        workload.am_scope + name
        for name, hot in workload.hot
        if hot["fingerprint"] in workload.hot_uncertain
    }
    stored_alerts: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for kind, fingerprint, count, status, key in deployment.rows(
        "SELECT i.kind, a.fingerprint, a.count, a.status, a.grouping_key "
        "FROM alerting_alert a JOIN alerting_integration i ON i.id = a.integration_id"
    ):
        if key not in uncertain_keys:
            stored_alerts.setdefault((kind, fingerprint), []).append((count, status))
    stored_incidents: dict[str, list[str]] = {}
    for key, status in deployment.rows("SELECT grouping_key, status FROM incidents_incident"):
        if key not in uncertain_keys:
            state = "resolved" if status == "resolved" else "open"
            stored_incidents.setdefault(key, []).append(state)

    problems = []
    for key in sorted(set(alerts) | set(stored_alerts)):
        want = [alerts[key]] if key in alerts else []
        got = stored_alerts.get(key, [])
        if got != want:
            problems.append(f"alert {key[0]} {key[1]}: expected {want}, stored {got}")
    for key in sorted(set(incidents) | set(stored_incidents)):
        want = [incidents[key]] if key in incidents else []
        got = stored_incidents.get(key, [])
        if got != want:
            problems.append(f"incident {key!r}: expected {want}, stored {got}")
    summary = (
        f"{len(alerts)} alerts and {len(incidents)} incidents checked"
        + (f"; {skipped} stories with an unanswered request left out" if skipped else "")
        + (f"; {len(workload.hot_uncertain)} hot alerts left out" if workload.hot_uncertain else "")
    )
    return not problems, [summary, *problems]


# --- the report ---------------------------------------------------------------------------


def run_one(args, database: str, workdir: Path) -> dict:
    load_before = os.getloadavg()[0]
    deployment = IntakeDeployment(
        database=database,
        postgres_url=args.postgres_url,
        workers=args.workers,
        workdir=workdir,
    )
    try:
        workload = Workload(deployment.integrations, args.seed)
        cpu_before = {}

        def sample_after_warmup():
            time.sleep(args.warmup)
            busy, steal = machine_cpu()
            cpu_before.update(deployment.cpu_seconds(), client=own_cpu(), machine=busy, steal=steal)

        sampler = threading.Thread(target=sample_after_warmup)
        sampler.start()
        if args.rate:
            mode = f"fixed rate {args.rate:g}/s for {args.duration:g} s"
            results, elapsed = run_fixed_rate(
                deployment.port,
                workload,
                rate=args.rate,
                seconds=args.duration,
                warmup=args.warmup,
            )
        else:
            amount = f"{args.events} requests" if args.events else f"{args.duration:g} s"
            mode = f"{args.clients} clients flat out, {amount}"
            results, elapsed = run_flat_out(
                deployment.port,
                workload,
                clients=args.clients,
                seconds=args.duration,
                events=args.events,
                warmup=args.warmup,
            )
        sampler.join()
        busy, steal = machine_cpu()
        cpu_after = {
            **deployment.cpu_seconds(),
            "client": own_cpu(),
            "machine": busy,
            "steal": steal,
        }
        cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
        peaks = deployment.peak_rss()
        ok, notes = check(deployment, workload)
        retries = deployment.log_lines("trying again (attempt")
        tracebacks = deployment.log_lines("Traceback")
    finally:
        deployment.stop()

    latencies = sorted(results.latencies)
    machine_busy, steal = cpu.pop("machine"), cpu.pop("steal")
    ours = sum(cpu.values())
    other_work = max(0.0, machine_busy - ours) / elapsed
    accepted = results.statuses.get(202, 0)
    errors = {status: n for status, n in results.statuses.items() if status != 202}
    row = {
        "database": database,
        "mode": mode,
        "command": deployment.command,
        "requests": len(latencies),
        "accepted": accepted,
        "per_second": accepted / elapsed,
        "alerts_per_second": results.alerts / elapsed,
        "p50": percentile(latencies, 0.50) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": (latencies[-1] * 1000) if latencies else float("nan"),
        "errors": errors,
        "peaks": peaks,
        "ok": ok,
        "other_work": other_work,
        "server_cpu": sum(v for k, v in cpu.items() if k != "client") / max(1, len(latencies)),
    }
    print(f"\n== {database}: {mode} ==")
    print(f"server:     {deployment.command}")
    print(f"load:       load average {load_before:.2f} before the run (1 min)")
    print(f"requests:   {len(latencies)} in {elapsed:.1f} s, {accepted} accepted (202)")
    mix = ", ".join(f"{kind} {n}" for kind, n in sorted(results.kinds.items()))
    print(f"mix:        {mix}; {results.alerts} alerts in them")
    print(
        f"throughput: {row['per_second']:.0f} requests/s accepted "
        f"({row['alerts_per_second']:.0f} alerts/s)"
    )
    print(
        f"latency:    p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms, "
        f"p99 {row['p99']:.1f} ms, max {row['max']:.1f} ms"
    )
    print(f"errors:     {errors or 'none'}")
    if results.not_sent:
        print(f"not sent:   {results.not_sent} scheduled requests (the server fell behind)")
        errors["not sent"] = results.not_sent
    print(f"log:        {tracebacks} tracebacks, {retries} deadlock retries")
    per_request = ", ".join(
        f"{name} {seconds / max(1, len(latencies)) * 1000:.1f} ms"
        for name, seconds in sorted(cpu.items())
    )
    print(
        f"CPU:        per request: {per_request}; {ours / elapsed:.2f} of {os.cpu_count()} cores "
        f"busy with this benchmark, {other_work:.2f} with other work"
        f", {steal / elapsed:.2f} stolen by the hypervisor"
    )
    total = sum(sum(values) for values in peaks.values())
    memory = "; ".join(
        f"{name} {len(values)} x {max(values) / 1024:.0f} MiB" for name, values in peaks.items()
    )
    print(f"peak RSS:   {memory}; total {total / 1024:.0f} MiB")
    print(f"check:      {'OK' if ok else 'MISMATCH'}: {notes[0]}")
    for note in notes[1:21]:
        print(f"            {note}")
    if len(notes) > 21:
        print(f"            … and {len(notes) - 21} more")
    row["rss_total"] = total / 1024
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured (20)")
    parser.add_argument("--events", type=int, default=0, help="stop after this many requests")
    parser.add_argument("--rate", type=float, default=0, help="fixed rate, requests/s")
    parser.add_argument("--warmup", type=float, default=2, help="seconds not measured (2)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = run_each(parser, args, run_one)

    print(
        "\n| database | server | load | accepted/s (alerts/s) | p50 ms | p95 ms | p99 ms "
        "| errors | server CPU per request | peak RSS | other work | check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        errors = ", ".join(f"{n}× {s}" for s, n in r["errors"].items()) or "0"
        print(
            f"| {r['database']} | `{r['command']}` | {r['mode']} "
            f"| {r['per_second']:.0f} ({r['alerts_per_second']:.0f}) "
            f"| {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {errors} "
            f"| {r['server_cpu'] * 1000:.1f} ms | {r['rss_total']:.0f} MiB "
            f"| {r['other_work']:.2f} cores | {'OK' if r['ok'] else 'MISMATCH'} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
