"""Time-to-page benchmark: an alert posted to a real `tocsin serve`, the page e-mail received.

    .venv/bin/python bench/time_to_page.py                          # SQLite, 200 incidents, 10/s
    .venv/bin/python bench/time_to_page.py --postgres --no-sqlite   # PostgreSQL only
    .venv/bin/python bench/time_to_page.py --incidents 500 --rate 20 --delay 5

The script starts an SMTP server in a thread of its own (aiosmtpd on 127.0.0.1), creates a fresh
database with a team, two people and an escalation policy (level 1 pages the first person at
once, level 2 the second person `--delay` seconds later), and an Alertmanager integration, then
starts `tocsin serve` (gunicorn and its background worker) with TOCSIN_SMTP_HOST/PORT pointing at
that SMTP server. It posts Alertmanager notifications at a steady rate, each one alert with its
own alertname and `severity: critical` (mapped to P1 by the default severity mapping), so each
opens its own P1 incident, which the worker pages. Nobody acknowledges.

It measures:

- time to page: from just before the POST to the moment the level-1 page e-mail for that
  incident was completely received by the SMTP server (end of DATA), with the steps between:
  the 202 answer, the engine's "page sent" timeline event (the outbox row was written), the
  start of the send attempt (the outbox row's `claimed_at`);
- escalation lateness: the level-2 page's deadline is the instant level 1 was paged plus the
  delay, as the engine stored it (`EscalationRun.next_at` while the run waits at level 1, read
  from the database while the benchmark runs); lateness is the time from that deadline to the
  same steps of the level-2 page, the e-mail's arrival among them.

Then it checks that every alert opened one P1 incident and every incident was paged exactly once
per level: one timeline event, one outbox message (sent) and one e-mail received for each
level, and no Message-ID received twice. It asserts nothing about speed; it exits 1 when a page
is missing or doubled, 0 otherwise.
"""

import argparse
import contextlib
import email.policy
import http.client
import json
import logging
import math
import os
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path

from common import (
    HEADERS,
    TOCSIN,
    Deployment,
    add_database_options,
    free_port,
    machine_cpu,
    on_schedule,
    own_cpu,
    percentile,
    run_each,
)

FIRST = "first@bench.example.org"  # paged by level 1
SECOND = "second@bench.example.org"  # paged by level 2
LEVEL_OF = {FIRST: 1, SECOND: 2}
NAME = re.compile(r"TimeToPage\d{5}")
REFERENCE = re.compile(r"\bINC-(\d+)\b")
POLL_SECONDS = 0.25  # how often the deadlines of runs waiting at level 1 are read

SETUP = """
import json, sys
from datetime import timedelta
import django
django.setup()
from tocsin.accounts.models import Membership, MembershipRole, Team
from tocsin.accounts.services import create_user
from tocsin.alerting.models import Integration
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy

first_email, second_email, delay = sys.argv[1], sys.argv[2], timedelta(seconds=int(sys.argv[3]))
# No e-mail list for the team: the only e-mails are pages.
team = Team.objects.create(name="Payments", slug="payments")
first = create_user(email=first_email, display_name="First Responder")
second = create_user(email=second_email, display_name="Second Responder")
Membership.objects.create(team=team, user=first, role=MembershipRole.LEAD)
Membership.objects.create(team=team, user=second, role=MembershipRole.MEMBER)
create_policy(
    team=team,
    name="Bench",
    by=first,
    levels=[
        LevelSpec(delay, [TargetSpec("user", user=first)]),
        LevelSpec(delay, [TargetSpec("user", user=second)]),
    ],
)
# The default limit (600 a minute) would answer a benchmark faster than 10 alerts/s with 429.
integration = Integration.objects.create(
    kind="alertmanager", name="Prometheus", team=team, rate_limit_per_minute=2_000_000_000
)
print(json.dumps({"token": integration.token}))
"""


# --- the SMTP server ----------------------------------------------------------------------


@dataclass
class Received:
    at: float  # wall clock, when the whole message had arrived
    recipients: tuple[str, ...]
    subject: str
    message_id: str


class Mailbox:
    """An SMTP server on 127.0.0.1 (aiosmtpd, in a thread) that notes when each e-mail arrived."""

    def __init__(self):
        self.port = free_port()
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        self.controller = None
        self.parser = BytesHeaderParser(policy=email.policy.default)

    async def handle_DATA(self, server, session, envelope):
        at = time.time()
        headers = self.parser.parsebytes(envelope.content)
        message = Received(
            at, tuple(envelope.rcpt_tos), str(headers["Subject"]), str(headers["Message-ID"])
        )
        with self.arrived:
            self.received.append(message)
            self.arrived.notify_all()
        return "250 2.0.0 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_until(self, condition, timeout: float) -> bool:
        """Wait until `condition(received)` holds; False if `timeout` seconds passed first."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not condition(self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(min(left, 1.0))
        return True

    def snapshot(self) -> list[Received]:
        with self.arrived:
            return list(self.received)


def pages_to(received: list[Received], address: str) -> set[str]:
    """The incident references of the pages received for `address`."""
    return {
        f"INC-{match.group(1)}"
        for message in received
        if address in message.recipients and (match := REFERENCE.search(message.subject))
    }


# --- the server ---------------------------------------------------------------------------


class PagingDeployment(Deployment):
    """A migrated Tocsin paging through the script's SMTP server, served by `tocsin serve`."""

    DB_PREFIX = "tocsin_bench_page_"

    def __init__(self, *, database: str, postgres_url: str, workdir: Path, smtp_port: int):
        super().__init__(
            database=database,
            postgres_url=postgres_url,
            workdir=workdir,
            TOCSIN_SMTP_HOST="127.0.0.1",
            TOCSIN_SMTP_PORT=str(smtp_port),
        )

    def setup(self, delay: int) -> str:
        """Migrate and create the team, people, policy and integration; the intake path."""
        self._run(TOCSIN, "migrate", "-v", "0")
        out = self._run(sys.executable, "-c", SETUP, FIRST, SECOND, str(delay))
        token = json.loads(out.splitlines()[-1])["token"]
        return f"/api/v1/integrations/{token}/alertmanager"


def _instant(value) -> float:
    """A timestamp from the database as seconds since the epoch (SQLite stores naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class DeadlineWatch:
    """Reads, while the benchmark runs, when each run waiting at level 1 will page level 2.

    The engine keeps only the next deadline (`EscalationRun.next_at`) and moves it on once
    level 2 is paged, so it has to be read while the run waits at level 1.
    """

    def __init__(self, deployment: Deployment):
        self.deployment = deployment
        self.deadlines: dict[int, float] = {}  # incident id -> level 2 due (epoch seconds)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        conn = self.deployment.connect()
        sql = (
            "SELECT incident_id, next_at FROM oncall_escalationrun "
            "WHERE state = 'active' AND level_index = 1 AND repeat_index = 0"
        )
        try:
            while not self.stopping.is_set():
                # A busy database: read again next time. A deadline never read is estimated
                # from the level-1 page, and the report says for how many incidents.
                with contextlib.suppress(Exception):
                    for incident_id, next_at in self.deployment.rows(sql, conn):
                        if next_at is not None:
                            self.deadlines.setdefault(incident_id, _instant(next_at))
                self.stopping.wait(POLL_SECONDS)
        finally:
            conn.close()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


# --- the alerts ---------------------------------------------------------------------------


@dataclass
class Alert:
    number: int
    posted_at: float = math.nan  # wall clock, just before the connection was opened
    answered_at: float = math.nan
    status: int | str | None = None
    reference: str = ""  # the incident it opened, once the worker has acted on it
    event: int | None = None  # the intake event, from the answer

    @property
    def name(self) -> str:
        return f"TimeToPage{self.number:05d}"

    def body(self) -> bytes:
        started = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
        alert = {
            "status": "firing",
            "labels": {
                "alertname": self.name,
                "instance": "web1.example.org:9100",
                "service": "checkout",
                "severity": "critical",
            },
            "annotations": {
                "summary": f"{self.name}: checkout error ratio above 5% on web1",
                "description": "checkout_errors / checkout_requests > 0.05 for 5 minutes",
                "runbook_url": "https://runbooks.example.org/checkout-errors",
            },
            "startsAt": started,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.org/graph?g0.expr=checkout_errors",
            "fingerprint": f"{self.number:016x}",
        }
        labels = {"alertname": self.name, "service": "checkout"}
        return json.dumps(
            {
                "receiver": "tocsin",
                "status": "firing",
                "alerts": [alert],
                "groupLabels": labels,
                "commonLabels": alert["labels"],
                "commonAnnotations": alert["annotations"],
                "externalURL": "http://alertmanager.example.org:9093",
                "version": "4",
                "groupKey": f'{{}}:{{alertname="{self.name}", service="checkout"}}',
                "truncatedAlerts": 0,
            }
        ).encode()


def post(port: int, path: str, alert: Alert) -> None:
    """One notification on a connection of its own (no keep-alive race with gunicorn)."""
    body = alert.body()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    alert.posted_at = time.time()
    try:
        conn.request("POST", path, body, HEADERS)
        response = conn.getresponse()
        answer = response.read()
        alert.answered_at = time.time()
        alert.status = response.status
        alert.event = json.loads(answer).get("event") if response.status == 202 else None
    except (OSError, http.client.HTTPException, ValueError) as error:
        alert.status = f"no answer ({type(error).__name__})"
        return
    finally:
        conn.close()


def find_references(deployment: Deployment, alerts: list) -> set[str]:
    """The incidents the alerts opened so far (the worker opens them after the 202 answer), by
    the alert's name in the incident's title; each alert's `reference` filled in."""
    opened = {}
    for pk, title in deployment.rows("SELECT id, title FROM incidents_incident"):
        if match := NAME.search(title):
            opened.setdefault(match.group(0), f"INC-{pk}")
    for alert in alerts:
        alert.reference = alert.reference or opened.get(alert.name, "")
    return {alert.reference for alert in alerts if alert.reference}


def send_at_rate(port: int, path: str, alerts: list[Alert], rate: float) -> float:
    """Start one POST every 1/rate seconds, whether or not earlier ones were answered; the
    largest lag behind the schedule, in seconds."""
    pool = ThreadPoolExecutor(max_workers=32)
    futures, lag = [], 0.0
    start = time.perf_counter()
    for alert, scheduled in zip(alerts, on_schedule(start, len(alerts), rate), strict=True):
        lag = max(lag, time.perf_counter() - scheduled)
        futures.append(pool.submit(post, port, path, alert))
    wait(futures)
    pool.shutdown()
    return lag


# --- the report ---------------------------------------------------------------------------


def summary(values: list[float]) -> dict:
    """p50/p90/p99/max in milliseconds, and how many values there were."""
    ordered = sorted(v * 1000 for v in values if not math.isnan(v))
    return {
        "n": len(ordered),
        "p50": percentile(ordered, 0.50),
        "p90": percentile(ordered, 0.90),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else math.nan,
    }


_HEADER = "".join(f"{name:>9}" for name in ("p50", "p90", "p99", "max"))


def _row(label: str, stats: dict, total: int) -> str:
    values = "".join(f"{stats[k]:>9,.0f}" for k in ("p50", "p90", "p99", "max"))
    count = "" if stats["n"] == total else f"   (of {stats['n']} only)"
    return f"  {label:<46}{values}{count}"


@dataclass
class Delivery:
    """One page's outbox message."""

    state: str
    started: float  # the last send attempt began (claimed_at, renewed just before sending)
    sent: float  # marked sent, after the SMTP server accepted it (sent_at)


@dataclass
class Pages:
    """What the database and the SMTP server hold about one incident's pages, by level."""

    events: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    outbox: dict[int, list[Delivery]] = field(default_factory=lambda: defaultdict(list))
    received: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))


def collect(deployment: Deployment, received: list[Received]):
    """Incidents by alert name, and their pages; plus e-mails that belong to no incident."""
    incidents: dict[str, tuple[int, str]] = {}  # alert name -> (incident id, severity)
    for pk, title, severity in deployment.rows(
        "SELECT i.id, i.title, s.key FROM incidents_incident i "
        "JOIN incidents_severity s ON s.id = i.severity_id"
    ):
        if match := NAME.search(title):
            incidents.setdefault(match.group(0), (pk, severity))
    pages: dict[int, Pages] = defaultdict(Pages)
    for incident_id, at, data in deployment.rows(
        "SELECT incident_id, at, data FROM incidents_timelineevent WHERE kind = 'page_sent'"
    ):
        data = json.loads(data) if isinstance(data, str) else data
        pages[incident_id].events[int(data.get("level") or 0)].append(_instant(at))
    for incident_id, address, state, claimed_at, sent_at in deployment.rows(
        "SELECT incident_id, address, state, claimed_at, sent_at FROM notify_outboxmessage "
        "WHERE purpose = 'page'"
    ):
        delivery = Delivery(
            state,
            _instant(claimed_at) if claimed_at is not None else math.nan,
            _instant(sent_at) if sent_at is not None else math.nan,
        )
        pages[incident_id].outbox[LEVEL_OF.get(address, 0)].append(delivery)
    stray = []
    for message in received:
        match = REFERENCE.search(message.subject)
        levels = {LEVEL_OF.get(address, 0) for address in message.recipients}
        if match is None or levels != {1} and levels != {2}:
            stray.append(message)
            continue
        pages[int(match.group(1))].received[levels.pop()].append(message.at)
    return incidents, pages, stray


def first(values: list[float], *, since: float) -> float:
    """Seconds from `since` to the earliest of `values`; NaN without any."""
    return min(values) - since if values else math.nan


def _steps(found: Pages, *, level: int) -> dict[str, list[float]]:
    """When one level's page passed each step on its way to the SMTP server."""
    sent = [d for d in found.outbox[level] if d.state == "sent"]
    return {
        "page written (timeline)": found.events[level],
        "sending began (outbox claimed_at)": [d.started for d in sent],
        "e-mail received (SMTP)": found.received[level],
        "marked sent (outbox sent_at)": [d.sent for d in sent],
    }


def measure(measured: list[Alert], incidents, pages, deadlines: dict[int, float], delay: int):
    """Time to page and escalation lateness, step by step, in seconds; and for how many
    incidents the level-2 deadline was read from the database rather than estimated."""
    steps: dict[str, list[float]] = defaultdict(list)
    lateness: dict[str, list[float]] = defaultdict(list)
    seen = 0
    for alert in measured:
        steps["202 answer"].append(alert.answered_at - alert.posted_at)
        if alert.name not in incidents:
            continue
        pk, _ = incidents[alert.name]
        found = pages[pk]
        for name, values in _steps(found, level=1).items():
            steps[name].append(first(values, since=alert.posted_at))
        deadline = deadlines.get(pk)
        seen += deadline is not None
        if deadline is None and found.events[1]:
            # Not seen while waiting (should not happen): level 1's event time is a little
            # later than the instant the engine counted from, so lateness comes out smaller.
            deadline = min(found.events[1]) + delay
        if deadline is not None:
            for name, values in _steps(found, level=2).items():
                lateness[name].append(first(values, since=deadline))
    return steps, lateness, seen


def check(alerts, incidents, pages, received, stray) -> list[str]:
    """Every alert opened one P1 incident, paged once per level; nothing else was sent."""
    problems = []
    for alert in alerts:
        if alert.status != 202:
            problems.append(f"{alert.name}: answered {alert.status}")
            continue
        if alert.name not in incidents:
            problems.append(f"{alert.name}: no incident")
            continue
        pk, severity = incidents[alert.name]
        if severity != "P1":
            problems.append(f"{alert.name}: INC-{pk} is {severity}, not P1")
        for level in (1, 2):
            found = pages[pk]
            events, outbox = len(found.events[level]), found.outbox[level]
            mails = len(found.received[level])
            unsent = [d.state for d in outbox if d.state != "sent"]
            if (events, len(outbox), mails) != (1, 1, 1) or unsent:
                problems.append(
                    f"{alert.name}: INC-{pk} level {level}: {events} timeline events, "
                    f"{len(outbox)} outbox messages{f' ({unsent})' if unsent else ''}, "
                    f"{mails} e-mails received; expected 1 of each, sent"
                )
    ours = {pk for pk, _ in incidents.values()}
    for pk in sorted(set(pages) - ours):
        problems.append(f"INC-{pk}: paged, but no alert of this benchmark opened it")
    twice = [mid for mid, n in Counter(m.message_id for m in received).items() if n > 1]
    for message_id in twice:
        problems.append(f"Message-ID {message_id} received more than once")
    for message in stray:
        problems.append(f"an e-mail to {message.recipients}: {message.subject!r}")
    return problems


def run_one(args, database: str, workdir: Path) -> dict:
    mailbox = Mailbox()
    mailbox.start()
    deployment = PagingDeployment(
        database=database,
        postgres_url=args.postgres_url,
        workdir=workdir,
        smtp_port=mailbox.port,
    )
    watch = None
    try:
        path = deployment.setup(args.delay)
        # The background worker runs beside gunicorn on both databases: it is what pages.
        deployment.serve(args.workers)
        watch = DeadlineWatch(deployment)
        watch.start()
        # Warm-up: the worker and every web process start lazily; the first pages wait for them.
        warmup = [Alert(n) for n in range(1, args.warmup + 1)]
        for alert in warmup:
            post(deployment.port, path, alert)
            mailbox.wait_until(
                lambda got, a=alert: find_references(deployment, [a]) & pages_to(got, FIRST), 60
            )
        measured = [Alert(args.warmup + n) for n in range(1, args.incidents + 1)]
        load = os.getloadavg()[0]
        cpu_before = {**deployment.cpu_seconds(), "client": own_cpu()}
        busy_before, started = machine_cpu()[0], time.perf_counter()
        lag = send_at_rate(deployment.port, path, measured, args.rate)
        sending = measured[-1].posted_at - measured[0].posted_at
        alerts = warmup + measured

        def everything_paged(got: list[Received]) -> bool:
            references = find_references(deployment, alerts)
            if len(references) < len(alerts):
                return False
            return references <= pages_to(got, FIRST) and references <= pages_to(got, SECOND)

        complete = mailbox.wait_until(everything_paged, args.delay + args.timeout)
        elapsed = time.perf_counter() - started
        cpu_after = {**deployment.cpu_seconds(), "client": own_cpu()}
        busy = machine_cpu()[0] - busy_before
        # Duplicates, if any, arrive after the page they repeat: wait a little for them.
        time.sleep(args.settle)
        watch.stop()
        received = mailbox.snapshot()
        incidents, pages, stray = collect(deployment, received)
        tracebacks = deployment.log_lines("Traceback")
        # A worker thread that met a locked or unreachable database waits 1 s and more.
        database_waits = deployment.log_lines("database unavailable")
    finally:
        if watch is not None and watch.thread.is_alive():
            watch.stop()
        deployment.stop()
        mailbox.stop()

    problems = check(alerts, incidents, pages, received, stray)
    if not complete:
        problems.insert(0, f"not every page arrived within {args.delay + args.timeout} s")

    steps, lateness, seen = measure(measured, incidents, pages, watch.deadlines, args.delay)
    cpu = {name: cpu_after.get(name, 0.0) - cpu_before.get(name, 0.0) for name in cpu_after}
    ours = sum(cpu.values())
    n = len(measured)
    accepted = sum(alert.status == 202 for alert in measured)
    mode = (
        f"{n} incidents, {args.rate:g} alerts/s (one every {1000 / args.rate:.0f} ms), "
        f"level 2 after {args.delay} s"
    )
    print(f"\n== {database}: {mode} ==")
    print(f"server:      {deployment.command} (its worker polls escalations and the outbox)")
    print(f"load:        load average {load:.2f} before the run (1 min)")
    print(
        f"alerts:      {n} posted in {sending:.1f} s ({(n - 1) / sending:.1f}/s, at most "
        f"{lag * 1000:.0f} ms behind the schedule), {accepted} accepted (202); "
        f"{args.warmup} more before, not measured"
    )
    print(f"\n{'time to page (ms), from just before the POST to:':<48}{_HEADER}")
    print("\n".join(_row(step, summary(values), n) for step, values in steps.items()))
    print(f"\n{'escalation lateness (ms), from the deadline to:':<48}{_HEADER}")
    print("\n".join(_row(step, summary(values), n) for step, values in lateness.items()))
    print(
        f"  (deadline: the instant level 1 was paged + {args.delay} s, as the engine stored it; "
        f"read while the run waited for {seen} of {n} incidents"
        + (", the others estimated from level 1's timeline event)" if seen < n else ")")
    )
    per_incident = ", ".join(
        f"{name} {seconds / n * 1000:.1f} ms" for name, seconds in sorted(cpu.items())
    )
    print(
        f"\nCPU:         per incident: {per_incident}; {ours / elapsed:.2f} of {os.cpu_count()} "
        f"cores busy with this benchmark, {max(0.0, busy - ours) / elapsed:.2f} with other work"
    )
    print(f"log:         {tracebacks} tracebacks, {database_waits} waits for the database")
    pages_received = sum(len(v) for found in pages.values() for v in found.received.values())
    if problems:
        print(f"check:       FAILED: {len(problems)} problems, {pages_received} pages received")
        for problem in problems[:20]:
            print(f"             {problem}")
        if len(problems) > 20:
            print(f"             … and {len(problems) - 20} more")
    else:
        print(
            f"check:       OK: {len(alerts)} alerts, {len(alerts)} P1 incidents, each paged "
            f"once at level 1 and once at level 2 ({pages_received} e-mails, no Message-ID twice)"
        )
    return {
        "database": database,
        "command": deployment.command,
        "mode": mode,
        "load": load,
        "page": summary(steps["e-mail received (SMTP)"]),
        "late": summary(lateness["e-mail received (SMTP)"]),
        "late_engine": summary(lateness["page written (timeline)"]),
        "other": max(0.0, busy - ours) / elapsed,
        "ok": not problems,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=200, help="alerts measured (200)")
    parser.add_argument(
        "--rate", type=float, default=10, help="alerts a second, on a fixed schedule (10)"
    )
    parser.add_argument(
        "--delay", type=int, default=10, help="seconds from level 1 to level 2 (10)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="alerts before measuring (3)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60,
        help="seconds past the delay to wait for the last pages (60)",
    )
    parser.add_argument(
        "--settle", type=float, default=3, help="seconds to wait for duplicates at the end (3)"
    )
    add_database_options(parser)
    args = parser.parse_args(argv)
    if args.incidents < 2 or args.rate <= 0 or args.delay < 1:
        parser.error("--incidents must be at least 2, --rate above 0, --delay at least 1")
    rows = run_each(parser, args, run_one)

    print(
        "\n| database | server | run | time to page p50 / p90 / p99 / max ms "
        "| lateness (e-mail) p50 / p99 / max ms | lateness (engine) p50 / p99 ms "
        "| other work | check |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        page, late, engine = r["page"], r["late"], r["late_engine"]
        print(
            f"| {r['database']} | `{r['command']}` | {r['mode']} "
            f"| {page['p50']:,.0f} / {page['p90']:,.0f} / {page['p99']:,.0f} / {page['max']:,.0f} "
            f"| {late['p50']:,.0f} / {late['p99']:,.0f} / {late['max']:,.0f} "
            f"| {engine['p50']:,.0f} / {engine['p99']:,.0f} "
            f"| {r['other']:.2f} cores | {'OK' if r['ok'] else 'FAILED'} |"
        )
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
