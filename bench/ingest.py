"""Alert intake benchmark: Tocsin against the floor of its own stack, then the worker's drain.

    .venv/bin/python bench/ingest.py                         # SQLite, 16 connections, 20 s
    .venv/bin/python bench/ingest.py --postgres --no-sqlite  # PostgreSQL only
    .venv/bin/python bench/ingest.py --workload mix --rate 300

For each database, in one invocation:

1. Tocsin: `tocsin serve --no-worker` on a fresh database takes the load. An accepted request
   (202) is one committed row in the intake queue, so what is measured is accepted-and-committed
   events a second, with nothing processed yet.
2. The drain: one `tocsin worker` is started and timed until no intake event waits
   (`processed_at IS NULL`): alerts processed a second. On PostgreSQL the load and the drain
   run a second time, with two workers. After each drain the database is read and every alert's
   count and status and every incident's state are checked against the accepted requests
   (`check: OK` or MISMATCH with the differences), and every intake event must have been
   processed without an error.
3. The floor: `bench/floor_intake.py`, a minimal WSGI application under the same gunicorn
   settings that parses and checks the same events and commits each with one INSERT into a
   scratch table on the same database engine, driven by the same client with the same requests.
   The ratio of the two rates says how much of the stack's capacity Tocsin's intake keeps.

The load generator is one asyncio loop in this process: HTTP/1.1 keep-alive connections and
request bytes built once, so the client costs the machine's two cores little (its CPU per request
is printed). The workloads:

- `triggers` (the reference): PagerDuty Events v2 triggers, 20% with a new dedup key and 80%
  repeating one of 50 hot keys.
- `mix`: Alertmanager notifications (webhook version 4) and PagerDuty events, as "stories" each
  sent in order by whichever connection picks the story up: an Alertmanager alert fires, fires
  again 0-2 times, a second alert joins the group, the first resolves while the second fires,
  the second resolves; a PagerDuty trigger, 0-2 repeats, a resolve. Every tenth request repeats
  one of a few "hot" Alertmanager alerts that never resolve, posted by all connections at once.

It asserts nothing about speed and exits 0 unless the server cannot start.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from common import (
    TOCSIN,
    Deployment,
    _cpu,
    add_database_options,
    machine_cpu,
    own_cpu,
    percentile,
    run_each,
)

FLOOR = str(Path(__file__).with_name("floor_intake.py"))
HOT_ALERTS = 4  # mix: hot Alertmanager alerts
HOT_EVERY = 10  # mix: every tenth request is a repeat of a hot alert
HOT_KEYS = 50  # triggers: hot dedup keys
NEW_SHARE = 0.2  # triggers: the share of requests with a new dedup key
POLL_SECONDS = 0.2  # how often the drain reads the queue

SETUP = """
import json, sys, django
django.setup()
from tocsin.accounts.models import Team
from tocsin.alerting.models import Integration

team = Team.objects.create(name="Payments", slug="payments")
# The default limit (600 a minute) would start a storm and brake most of a benchmark's traffic.
limit = 2_000_000_000
am = Integration.objects.create(
    kind="alertmanager", name="Prometheus", team=team, rate_limit_per_minute=limit
)
pd = [
    Integration.objects.create(
        kind="pagerduty", name=f"PagerDuty client {i}", team=team, rate_limit_per_minute=limit
    )
    for i in range(int(sys.argv[1]))
]
print(json.dumps({"alertmanager": [am.pk, am.token], "pagerduty": [[i.pk, i.token] for i in pd]}))
"""

HEAD = (
    b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"User-Agent: tocsin-bench\r\nContent-Length: %d\r\n\r\n"
)


# --- the workload -------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    body: bytes
    kind: str  # "new", "repeat", "grouped", "mixed", "resolve", "hot"
    alerts: list[tuple[str, str]]  # (fingerprint, "firing" | "resolved") as sent
    story: "Story | None" = None
    integration: int = 0  # triggers: which of the PagerDuty integrations
    _wire: bytes = field(default=b"", repr=False)

    def wire(self) -> bytes:
        """The whole HTTP request, built once."""
        if not self._wire:
            self._wire = HEAD % (self.path.encode(), len(self.body)) + self.body
        return self._wire


@dataclass
class Expected:
    """What the database must hold once every accepted request was processed."""

    alerts: dict[tuple[str, str], tuple[int, str]]  # (kind, fingerprint) -> (count, status)
    incidents: dict[str, str]  # grouping key -> "open" | "resolved"
    uncertain: set[str]  # grouping keys left out: a request got no answer
    note: str  # what was left out, for the report


class Answers:
    """How many requests were accepted (202), and how many got no answer at all."""

    def __init__(self):
        self.accepted = 0
        self.unanswered = 0

    def count(self, status: int | None) -> None:
        if status == 202:
            self.accepted += 1
        elif status is None:
            self.unanswered += 1


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


class MixWorkload(Answers):
    """Alertmanager and PagerDuty stories, and hot alerts: hands out the next request that may
    be sent now."""

    name = "mix"
    label = "Alertmanager and PagerDuty stories, hot Alertmanager alerts"

    def __init__(self, integrations: dict, seed: int):
        super().__init__()
        am_pk, am_token = integrations["alertmanager"]
        pd_pk, self.pd_token = integrations["pagerduty"][0]
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
            self.count(status)
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

    def expected(self) -> Expected:
        """From the requests that were accepted, in their order."""
        alerts: dict[tuple[str, str], tuple[int, str]] = {}
        incidents: dict[str, str] = {}
        skipped = 0
        for story in self.stories:
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
        for name, hot in self.hot:
            fingerprint = hot["fingerprint"]
            if fingerprint in self.hot_uncertain:
                continue
            if self.hot_accepted[fingerprint]:
                alerts[("alertmanager", fingerprint)] = (self.hot_accepted[fingerprint], "firing")
                incidents[self.am_scope + name] = "open"
        uncertain = {s.grouping_key for s in self.stories if s.uncertain}
        uncertain |= {
            self.am_scope + name
            for name, hot in self.hot
            if hot["fingerprint"] in self.hot_uncertain
        }
        note = (f"; {skipped} stories with an unanswered request left out" if skipped else "") + (
            f"; {len(self.hot_uncertain)} hot alerts left out" if self.hot_uncertain else ""
        )
        return Expected(alerts, incidents, uncertain, note)


class TriggerWorkload(Answers):
    """PagerDuty Events v2 triggers: NEW_SHARE of them with a new dedup key, the others repeating
    one of HOT_KEYS hot keys; the integrations take turns. Every body is built from one template."""

    name = "triggers"
    label = f"PagerDuty triggers, {NEW_SHARE:.0%} new dedup keys, the rest {HOT_KEYS} hot keys"

    def __init__(self, integrations: dict, seed: int):
        super().__init__()
        self.integrations = integrations["pagerduty"]
        self.random = random.Random(seed)
        self.numbers = itertools.count(1)
        self.turns = itertools.count()
        self.accepted_by_key: Counter[tuple[int, str]] = Counter()  # (integration, key) -> 202s
        self.uncertain_keys: set[tuple[int, str]] = set()
        body = {
            "routing_key": "@TOKEN@",
            "dedup_key": "@KEY@",
            "event_action": "trigger",
            "client": "Bench",
            "client_url": "https://monitoring.example.org/queues",
            "payload": {
                "summary": "Payouts queue stuck on @KEY@",
                "source": "@KEY@.example.org",
                "severity": "critical",
                "component": "payouts",
                "group": "payments",
                "class": "queue",
                "custom_details": {"queue_depth": "1234", "oldest_seconds": "900"},
            },
        }
        self.template = json.dumps(body).encode()
        self.hot = [self._trigger(f"hot-{i:02d}", "hot") for i in range(HOT_KEYS)]

    def _trigger(self, key: str, kind: str) -> Request:
        index = next(self.turns) % len(self.integrations)
        body = self.template.replace(b"@TOKEN@", self.integrations[index][1].encode())
        body = body.replace(b"@KEY@", key.encode())
        request = Request("/v2/enqueue", body, kind, [(key, "firing")], integration=index)
        request.wire()
        return request

    def next(self) -> Request:
        if self.random.random() < NEW_SHARE:
            return self._trigger(f"new-{next(self.numbers):07d}", "new")
        return self.random.choice(self.hot)

    def answered(self, request: Request, status: int | None) -> None:
        self.count(status)
        key = (request.integration, request.alerts[0][0])
        if status == 202:
            self.accepted_by_key[key] += 1
        elif status is None:
            self.uncertain_keys.add(key)

    def expected(self) -> Expected:
        """Each dedup key: one alert, firing, counted once per accepted trigger; one incident."""
        scope = {
            index: f"alert:integration-{pk}/" for index, (pk, _) in enumerate(self.integrations)
        }
        alerts, incidents = {}, {}
        for (index, key), accepted in self.accepted_by_key.items():
            if (index, key) not in self.uncertain_keys:
                alerts[("pagerduty", key)] = (accepted, "firing")
                incidents[scope[index] + key] = "open"
        uncertain = {scope[index] + key for index, key in self.uncertain_keys}
        note = (
            f"; {len(uncertain)} dedup keys with an unanswered request left out"
            if uncertain
            else ""
        )
        return Expected(alerts, incidents, uncertain, note)


WORKLOADS = {"triggers": TriggerWorkload, "mix": MixWorkload}


# --- the client ---------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.kinds: Counter = Counter()
        self.alerts = 0
        self.not_sent = 0

    def add(self, request: Request, status, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] += 1
        if status == 202:
            self.kinds[request.kind] += 1
            self.alerts += len(request.alerts)


class Connection:
    """One keep-alive HTTP/1.1 connection (asyncio streams, the request's bytes built once).

    gunicorn closes a keep-alive connection after 2 idle seconds; one idle for a second is
    replaced before use, so the benchmark does not race the server's close.
    """

    IDLE_SECONDS = 1.0
    TIMEOUT_SECONDS = 30.0

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.last_used = 0.0

    async def post(self, wire: bytes) -> int | str:
        """The answer's status, or "no answer (reason)" when there was none."""
        if self.writer is not None and time.monotonic() - self.last_used > self.IDLE_SECONDS:
            self.close()
        reused = self.writer is not None
        try:
            async with asyncio.timeout(self.TIMEOUT_SECONDS):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.writer.write(wire)
                status, close = await self._response()
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            self.close()
            closed_early = isinstance(error, (ConnectionResetError, BrokenPipeError)) or (
                isinstance(error, asyncio.IncompleteReadError) and not error.partial
            )
            if reused and closed_early:
                return await self.post(wire)  # the server closed it first: once more, fresh
            return f"no answer ({type(error).__name__})"
        if close:
            self.close()
        self.last_used = time.monotonic()
        return status

    async def _response(self) -> tuple[int, bool]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = 0, False, False
        for line in head.lower().split(b"\r\n")[1:]:
            if line.startswith(b"content-length:"):
                length = int(line[15:])
            elif line.startswith(b"transfer-encoding:"):
                chunked = b"chunked" in line
            elif line.startswith(b"connection:"):
                close = b"close" in line
        if chunked:
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        elif length:
            await self.reader.readexactly(length)
        return status, close

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _flat_out(port, workload, results, *, clients, seconds, events, warmup, on_measure):
    """`clients` connections, each sending its next request as soon as the last was answered."""
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds if not events else float("inf")
    budget = itertools.count()

    async def client():
        conn = Connection(port)
        try:
            while True:
                now = time.perf_counter()
                measured = now >= measure_from
                if now >= stop_at or (events and measured and next(budget) >= events):
                    return
                request = workload.next()
                started = time.perf_counter()
                status = await conn.post(request.wire())
                elapsed = time.perf_counter() - started
                workload.answered(request, status if isinstance(status, int) else None)
                if measured:
                    results.add(request, status, elapsed)
        finally:
            conn.close()

    async def sampler():
        await asyncio.sleep(warmup)
        on_measure()

    await asyncio.gather(sampler(), *(client() for _ in range(clients)))
    return time.perf_counter() - measure_from


async def _fixed_rate(port, workload, results, *, rate, seconds, warmup, on_measure):
    """Requests started on a fixed schedule over up to 64 connections, whether or not earlier
    ones were answered; latency counts from the scheduled time, so a server that falls behind
    shows it. Requests still waiting for a free connection 10 s after the schedule ends are
    never sent: counted as "not sent" (the server could not keep up)."""
    connections = 64
    queue: asyncio.Queue = asyncio.Queue()
    total, warm = int(rate * (warmup + seconds)), int(rate * warmup)
    start = time.perf_counter()
    give_up_at = start + total / rate + 10

    async def client():
        conn = Connection(port)
        try:
            while (item := await queue.get()) is not None:
                scheduled, measured = item
                if time.perf_counter() > give_up_at:
                    results.not_sent += 1
                    continue
                request = workload.next()
                status = await conn.post(request.wire())
                elapsed = time.perf_counter() - scheduled
                workload.answered(request, status if isinstance(status, int) else None)
                if measured:
                    results.add(request, status, elapsed)
        finally:
            conn.close()

    async def schedule():
        for i in range(total):
            scheduled = start + i / rate
            if i == warm:
                on_measure()
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((scheduled, i >= warm))
        for _ in range(connections):
            queue.put_nowait(None)

    await asyncio.gather(schedule(), *(client() for _ in range(connections)))
    return time.perf_counter() - (start + warmup)


def drive(port: int, workload, args, on_measure) -> tuple[Results, float, str]:
    """Send the load; the results, the seconds measured and a description of the load."""
    results = Results()
    if args.rate:
        mode = f"fixed rate {args.rate:g}/s for {args.duration:g} s"
        run = _fixed_rate(
            port,
            workload,
            results,
            rate=args.rate,
            seconds=args.duration,
            warmup=args.warmup,
            on_measure=on_measure,
        )
    else:
        amount = f"{args.events} requests" if args.events else f"{args.duration:g} s"
        mode = f"{args.clients} connections flat out, {amount}"
        run = _flat_out(
            port,
            workload,
            results,
            clients=args.clients,
            seconds=args.duration,
            events=args.events,
            warmup=args.warmup,
            on_measure=on_measure,
        )
    elapsed = asyncio.run(run)
    return results, elapsed, mode


# --- the servers --------------------------------------------------------------------------


class IntakeDeployment(Deployment):
    """A migrated Tocsin with the benchmark's integrations; `serve` starts `tocsin serve`, and
    `bench/floor_intake.py` later on the same database."""

    def __init__(self, *, database: str, postgres_url: str, workdir: Path, integrations: int):
        super().__init__(database=database, postgres_url=postgres_url, workdir=workdir)
        self._run(TOCSIN, "migrate", "-v", "0")
        out = self._run(sys.executable, "-c", SETUP, str(integrations))
        self.integrations = json.loads(out.splitlines()[-1])
        self.workers: list[subprocess.Popen] = []

    def role(self, cmdline: str | None) -> str:
        if cmdline is None:
            return "gone"
        return "background worker" if " worker" in cmdline else "web worker"

    def serve_floor(self, workers: int) -> None:
        tokens = [self.integrations["alertmanager"][1]]
        tokens += [token for _, token in self.integrations["pagerduty"]]
        self.serve(
            workers,
            program=(sys.executable, FLOOR),
            env={"BENCH_FLOOR_TOKENS": ",".join(tokens)},
            settle=1,
        )

    def start_workers(self, count: int) -> None:
        """`count` processes of `tocsin worker`, as in production beside `--no-worker`."""
        with open(self.data_dir / "worker.log", "a") as out:
            self.workers += [
                subprocess.Popen(
                    [TOCSIN, "worker"],
                    env=self.env,
                    cwd=self.data_dir,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
                for _ in range(count)
            ]

    def stop_workers(self) -> list[int]:
        """Stop the `tocsin worker` processes; their peak RSS (KiB), read just before."""
        peaks = [_peak_rss(worker.pid) for worker in self.workers]
        for worker in self.workers:
            worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.workers = []
        return peaks

    def worker_cpu(self) -> float:
        return sum(_cpu(worker.pid) for worker in self.workers)

    def peak_rss(self) -> dict[str, list[int]]:
        """Peak resident memory (VmHWM, KiB) of each server process, grouped by role."""
        peaks: dict[str, list[int]] = {}
        for pid, name in self.processes().items():
            if peak := _peak_rss(pid):
                peaks.setdefault(name, []).append(peak)
        return peaks

    def stop(self) -> None:
        self.stop_workers()
        super().stop()


def _peak_rss(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# --- a run --------------------------------------------------------------------------------


@dataclass
class Run:
    """One load against one server: what the client saw and what it cost."""

    results: Results
    elapsed: float
    mode: str
    cpu: dict[str, float]
    other_work: float
    steal: float

    @property
    def accepted(self) -> int:
        return self.results.statuses.get(202, 0)

    @property
    def per_second(self) -> float:
        return self.accepted / self.elapsed

    @property
    def latencies(self) -> list[float]:
        return sorted(self.results.latencies)

    def latency(self) -> dict[str, float]:
        values = self.latencies
        return {
            "p50": percentile(values, 0.50) * 1000,
            "p95": percentile(values, 0.95) * 1000,
            "p99": percentile(values, 0.99) * 1000,
            "max": values[-1] * 1000 if values else float("nan"),
        }

    def server_cpu(self) -> float:
        """CPU seconds per request of the server's processes and the database's backends."""
        used = sum(v for k, v in self.cpu.items() if k != "client")
        return used / max(1, len(self.results.latencies))

    def report(self, label: str) -> None:
        n = len(self.results.latencies)
        errors = {status: n for status, n in self.results.statuses.items() if status != 202}
        print(
            f"{label:<11} {n} requests in {self.elapsed:.1f} s, {self.accepted} accepted: "
            f"{self.per_second:.0f} requests/s ({self.results.alerts / self.elapsed:.0f} alerts/s)"
        )
        lat = self.latency()
        print(
            f"{'':<11} latency p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, "
            f"p99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms; errors: {errors or 'none'}"
            + (f"; {self.results.not_sent} not sent (behind)" if self.results.not_sent else "")
        )
        per_request = ", ".join(
            f"{name} {seconds / max(1, n) * 1000:.2f} ms"
            for name, seconds in sorted(self.cpu.items())
        )
        print(
            f"{'':<11} CPU per request: {per_request}; {sum(self.cpu.values()) / self.elapsed:.2f}"
            f" of {os.cpu_count()} cores busy with it, {self.other_work:.2f} with other work, "
            f"{self.steal:.2f} stolen"
        )


def measure(deployment: IntakeDeployment, workload, args) -> Run:
    """Drive the server `deployment` serves now with `workload`, measuring after the warm-up."""
    before: dict = {}

    def on_measure():
        busy, steal = machine_cpu()
        before.update(deployment.cpu_by_process(), client=own_cpu(), machine=busy, steal=steal)

    results, elapsed, mode = drive(deployment.port, workload, args, on_measure)
    busy, steal = machine_cpu()
    cpu: dict[str, float] = {"client": own_cpu() - before["client"]}
    for (role, pid), seconds in deployment.cpu_by_process().items():
        if role != "gone":
            cpu[role] = cpu.get(role, 0.0) + seconds - before.get((role, pid), 0.0)
    other_work = max(0.0, busy - before["machine"] - sum(cpu.values())) / elapsed
    return Run(results, elapsed, mode, cpu, other_work, (steal - before["steal"]) / elapsed)


# --- the drain ----------------------------------------------------------------------------


PENDING = (
    "SELECT count(*), coalesce(sum(alert_count), 0) FROM alerting_intakeevent "
    "WHERE processed_at IS NULL"
)


@dataclass
class Drain:
    workers: int
    events: int  # waiting when the workers were started
    alerts: int
    start_up: float  # from starting the workers to the start of their first batch
    seconds: float  # from the start of the first batch to none waiting
    worker_cpu: float  # per alert
    database_cpu: float  # per alert, PostgreSQL
    peaks: list[int]  # KiB, each worker
    left: int  # events still waiting at the time-out

    @property
    def per_second(self) -> float:
        return self.alerts / self.seconds if self.seconds > 0 else 0.0

    def report(self) -> None:
        plural = "s" if self.workers != 1 else ""
        who = _workers(self.workers)
        if self.events == 0:
            print(f"drain:      {who}: nothing waited in the intake queue")
            return
        print(
            f"drain:      {who}: {self.events} events ({self.alerts} alerts) waiting; "
            f"{self.per_second:.0f} alerts/s: {self.seconds:.1f} s from the start of the first "
            f"batch ({self.start_up:.1f} s after starting the worker{plural}) to none waiting"
            + (f"; TIMED OUT with {self.left} still waiting" if self.left else "")
        )
        db = f", PostgreSQL {self.database_cpu * 1000:.2f} ms" if self.database_cpu else ""
        memory = ", ".join(f"{peak / 1024:.0f} MiB" for peak in self.peaks)
        print(
            f"{'':<11} CPU per alert: worker {self.worker_cpu * 1000:.2f} ms{db}"
            + (f"; peak RSS of the worker{plural}: {memory}" if memory else "")
        )


def _instant(value) -> float:
    """A timestamp from the database as seconds since the epoch (SQLite stores naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def drain(deployment: IntakeDeployment, workers: int, timeout: float) -> Drain:
    """Start `workers` processes of `tocsin worker` (none: `tocsin serve` has its own) and time
    them until no event waits. A batch's events are marked processed with the instant the batch
    started (in its transaction, committed at its end), so the drain is timed from the earliest
    of those instants to the poll that found none waiting."""
    conn = deployment.connect()
    try:
        events, alerts = deployment.rows(PENDING, conn)[0]
        done_before = deployment.rows(
            "SELECT coalesce(max(id), 0) FROM alerting_intakeevent WHERE processed_at IS NOT NULL",
            conn,
        )[0][0]
        cpu_before = deployment.cpu_by_process()
        started = time.time()
        deployment.start_workers(workers)
        waiting = events
        while waiting and time.time() - started < timeout:
            time.sleep(POLL_SECONDS)
            with contextlib.suppress(sqlite3.OperationalError):  # busy: read again next time
                waiting = deployment.rows(PENDING, conn)[0][0]
            if any(worker.poll() is not None for worker in deployment.workers):
                break
        ended = time.time()
        used: Counter[str] = Counter()
        for (role, pid), seconds in deployment.cpu_by_process().items():
            used[role] += seconds - cpu_before.get((role, pid), 0.0)
        worker_cpu = deployment.worker_cpu() + used["background worker"]
        database_cpu = used["postgres"]
        peaks = deployment.stop_workers()
        first = deployment.rows(
            "SELECT min(processed_at) FROM alerting_intakeevent "
            f"WHERE id > {int(done_before)} AND processed_at IS NOT NULL",
            conn,
        )[0][0]
    finally:
        conn.close()
    first_at = max(started, _instant(first)) if first is not None else ended
    per_alert = max(1, alerts)
    return Drain(
        workers=workers,
        events=events,
        alerts=alerts,
        start_up=first_at - started,
        seconds=ended - first_at,
        worker_cpu=worker_cpu / per_alert,
        database_cpu=database_cpu / per_alert,
        peaks=peaks,
        left=waiting,
    )


# --- the checks ---------------------------------------------------------------------------


def check(deployment: Deployment, workload) -> tuple[bool, list[str]]:
    """Every alert and incident as the accepted requests imply, every intake event processed
    once and without an error."""
    want = workload.expected()
    problems = []
    events, waiting, failed = deployment.rows(
        "SELECT count(*), count(*) - count(processed_at), "
        "coalesce(sum(CASE WHEN error != '' THEN 1 ELSE 0 END), 0) FROM alerting_intakeevent"
    )[0]
    if not workload.accepted <= events <= workload.accepted + workload.unanswered:
        problems.append(
            f"intake events: {events} stored, {workload.accepted} requests accepted"
            + (f" and {workload.unanswered} unanswered" if workload.unanswered else "")
        )
    if waiting:
        problems.append(f"intake events: {waiting} not processed")
    for pk, error in deployment.rows(
        "SELECT id, error FROM alerting_intakeevent WHERE error != '' ORDER BY id LIMIT 5"
    ):
        problems.append(f"intake event {pk}: {error[:200]}")
    stored_alerts: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for kind, fingerprint, count, status, key in deployment.rows(
        "SELECT i.kind, a.fingerprint, a.count, a.status, a.grouping_key "
        "FROM alerting_alert a JOIN alerting_integration i ON i.id = a.integration_id"
    ):
        if key not in want.uncertain:
            stored_alerts.setdefault((kind, fingerprint), []).append((count, status))
    stored_incidents: dict[str, list[str]] = {}
    for key, status in deployment.rows("SELECT grouping_key, status FROM incidents_incident"):
        key = key.split(":", 1)[1]  # stored within its team: "team-<id>:<the alerts' key>"
        if key not in want.uncertain:
            state = "resolved" if status == "resolved" else "open"
            stored_incidents.setdefault(key, []).append(state)
    for key in sorted(set(want.alerts) | set(stored_alerts)):
        expected = [want.alerts[key]] if key in want.alerts else []
        got = stored_alerts.get(key, [])
        if got != expected:
            problems.append(f"alert {key[0]} {key[1]}: expected {expected}, stored {got}")
    for key in sorted(set(want.incidents) | set(stored_incidents)):
        expected = [want.incidents[key]] if key in want.incidents else []
        got = stored_incidents.get(key, [])
        if got != expected:
            problems.append(f"incident {key!r}: expected {expected}, stored {got}")
    summary = (
        f"{events} intake events ({failed} failed), {len(want.alerts)} alerts and "
        f"{len(want.incidents)} incidents checked{want.note}"
    )
    return not problems, [summary, *problems]


def check_floor(deployment: IntakeDeployment, workload) -> tuple[bool, str]:
    """The floor committed one row for each accepted request."""
    if deployment.database_url:
        rows = deployment.rows("SELECT count(*) FROM bench_floor_event")[0][0]
    else:
        with contextlib.closing(sqlite3.connect(deployment.data_dir / "floor.sqlite3")) as conn:
            rows = conn.execute("SELECT count(*) FROM bench_floor_event").fetchone()[0]
    ok = workload.accepted <= rows <= workload.accepted + workload.unanswered
    return ok, f"{rows} rows committed for {workload.accepted} requests accepted"


def print_check(ok: bool, notes: list[str]) -> None:
    print(f"check:      {'OK' if ok else 'MISMATCH'}: {notes[0]}")
    for note in notes[1:21]:
        print(f"            {note}")
    if len(notes) > 21:
        print(f"            … and {len(notes) - 21} more")


# --- the report ---------------------------------------------------------------------------


def run_one(args, database: str, workdir: Path) -> dict:
    load_before = os.getloadavg()[0]
    deployment = IntakeDeployment(
        database=database,
        postgres_url=args.postgres_url,
        workdir=workdir,
        integrations=args.integrations,
    )
    make = WORKLOADS[args.workload]
    workload = make(deployment.integrations, args.seed)
    rounds = []
    try:
        options = [] if args.with_worker else ["--no-worker"]
        deployment.serve(args.workers, *options, settle=1)  # every web worker finished booting
        command = deployment.command
        drains = [1, 2] if database == "postgres" and not args.with_worker else [1]
        print(f"\n== {database}: {workload.label} ==")
        print(f"server:     {command}; load average {load_before:.2f} before the run (1 min)")
        for workers in drains:
            run = measure(deployment, workload, args)
            run.report("tocsin:")
            if args.with_worker:
                done = drain(deployment, 0, args.drain_timeout)
            else:
                done = drain(deployment, workers, args.drain_timeout)
            done.report()
            ok, notes = check(deployment, workload)
            print_check(ok, notes)
            rounds.append((run, done, ok))
        peaks = deployment.peak_rss()
        tracebacks = deployment.log_lines("Traceback")
        worker_log = deployment.data_dir / "worker.log"
        if worker_log.exists():
            tracebacks += worker_log.read_text().count("Traceback")
        deployment.stop_server()

        floor_workload = make(deployment.integrations, args.seed)
        deployment.serve_floor(args.workers)
        floor = measure(deployment, floor_workload, args)
        floor.report("floor:")
        floor_ok, floor_note = check_floor(deployment, floor_workload)
        print(f"{'':<11} {'OK' if floor_ok else 'MISMATCH'}: {floor_note}")
        deployment.stop_server()
    finally:
        deployment.stop()

    worker_peaks = max((d.peaks for _, d, _ in rounds if d.workers == 1), key=sum, default=[])
    serve_total = sum(sum(values) for values in peaks.values())
    with_worker = serve_total + sum(worker_peaks)
    memory = "; ".join(
        f"{name} {len(values)} x {max(values) / 1024:.0f} MiB" for name, values in peaks.items()
    )
    if worker_peaks and not args.with_worker:
        memory += f"; tocsin worker {max(worker_peaks) / 1024:.0f} MiB"
    ratio = rounds[0][0].per_second / floor.per_second if floor.per_second else float("nan")
    print(
        f"ratio:      Tocsin {rounds[0][0].per_second:.0f} / floor {floor.per_second:.0f} "
        f"requests/s accepted and committed = {ratio:.2f}"
    )
    print(f"peak RSS:   {memory}; total {with_worker / 1024:.0f} MiB")
    print(f"log:        {tracebacks} tracebacks")
    return {
        "database": database,
        "command": command,
        "mode": rounds[0][0].mode,
        "rounds": rounds,
        "floor": floor,
        "ratio": ratio,
        "rss_total": with_worker / 1024,
        "ok": all(ok for _, _, ok in rounds) and floor_ok,
    }


def _workers(count: int) -> str:
    return f"{count} worker{'s' if count > 1 else ''}" if count else "tocsin serve's worker"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_options(parser)
    parser.add_argument(
        "--workload", choices=sorted(WORKLOADS), default="triggers", help="(default triggers)"
    )
    parser.add_argument("--clients", type=int, default=16, help="connections (default 16)")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured (20)")
    parser.add_argument("--events", type=int, default=0, help="stop after this many requests")
    parser.add_argument("--rate", type=float, default=0, help="fixed rate, requests/s")
    parser.add_argument("--warmup", type=float, default=2, help="seconds not measured (2)")
    parser.add_argument(
        "--integrations",
        type=int,
        default=1,
        help="PagerDuty integrations the triggers take turns on (default 1)",
    )
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="serve with tocsin serve's own worker during the load, and wait for it to drain",
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=600, help="seconds to wait for the drain (600)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = run_each(parser, args, run_one)

    print(
        "\n| database | server | load | Tocsin accepted/s | floor accepted/s | ratio "
        "| p50 / p99 ms (floor) | drain alerts/s | server CPU per request (floor) | peak RSS "
        "| check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        floor = r["floor"]
        for run, done, ok in r["rounds"]:
            lat, floor_lat = run.latency(), floor.latency()
            print(
                f"| {r['database']} | `{r['command']}` | {run.mode} "
                f"| {run.per_second:.0f} | {floor.per_second:.0f} "
                f"| {run.per_second / floor.per_second:.2f} "
                f"| {lat['p50']:.1f} / {lat['p99']:.1f} ({floor_lat['p50']:.1f} / "
                f"{floor_lat['p99']:.1f}) "
                f"| {done.per_second:.0f} ({_workers(done.workers)}) "
                f"| {run.server_cpu() * 1000:.2f} ms ({floor.server_cpu() * 1000:.2f} ms) "
                f"| {r['rss_total']:.0f} MiB | {'OK' if ok else 'MISMATCH'} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
