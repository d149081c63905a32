"""Paging end to end: incidents declared, real `tocsin worker` processes, a real SMTP server.

Every page goes the way production pages go: `declare` starts an escalation, a worker's
escalation job pages level 1 into the outbox, a worker's delivery job sends it over SMTP. The
specification (DESIGN.md §3): a page that is due arrives, even across a worker killed outright;
several workers never send one page twice; the only second copy at-least-once delivery allows
is a message the mail server had taken but the dead worker never heard accepted, and it carries
the same Message-ID, so mail clients show it once.
"""

import asyncio
import sys
import threading
from collections import Counter
from datetime import datetime

import pytest

from tests.support.live import LiveTocsin, on_postgres, wait_for
from tests.support.mailbox import Mailbox
from tocsin.notify.delivery.claims import LEASE

pytestmark = pytest.mark.processes

ALICE, BOB, ERIN = "alice@example.com", "bob@example.com", "erin@example.com"
LEVEL_ONE = {ALICE, BOB}  # Bob on call in 'Payments primary', Alice named in the policy

# Payments: Bob is on call in 'Payments primary'; level 1 pages him and Alice at once, level 2
# pages Erin after 30 minutes, long after any of these tests has ended.
PAYMENTS = """
from datetime import date, time, timedelta
from tocsin.accounts.models import Membership, MembershipRole, Team
from tocsin.accounts.services import create_user
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy
from tocsin.oncall.schedules.services import add_layer, create_schedule

payments = Team.objects.create(name="Payments", slug="payments")
alice = create_user(email="alice@example.com", display_name="Alice Novak")
bob = create_user(email="bob@example.com", display_name="Bob Okafor")
erin = create_user(email="erin@example.com", display_name="Erin Walsh")
Membership.objects.create(team=payments, user=alice, role=MembershipRole.LEAD)
for person in (bob, erin):
    Membership.objects.create(team=payments, user=person, role=MembershipRole.MEMBER)
primary = create_schedule(
    team=payments, name="Payments primary", time_zone="Europe/Berlin", by=alice
)
add_layer(
    schedule=primary, by=alice, name="Primary", participants=[bob],
    handoff_time=time(9, 0), start_date=date(2025, 1, 6),
)
create_policy(
    team=payments, name="Payments default", by=alice,
    levels=[
        LevelSpec(timedelta(minutes=30), [
            TargetSpec("schedule", schedule=primary), TargetSpec("user", user=alice),
        ]),
        LevelSpec(timedelta(minutes=30), [TargetSpec("user", user=erin)]),
    ],
)
"""


def declare_p1_incidents(tocsin: LiveTocsin, count: int, *, first: int = 0) -> list[int]:
    """Declare `count` P1 incidents for Payments in one commit; their ids."""
    return tocsin.python(f"""
from django.db import transaction
from tocsin.accounts.models import Team, User
from tocsin.incidents.models import Severity
from tocsin.incidents.services import declare

payments = Team.objects.get(slug="payments")
alice = User.objects.get(email="alice@example.com")
p1 = Severity.objects.get(key="P1")
with transaction.atomic():  # one commit: every escalation is due at once
    emit([
        declare(title=f"Checkout returns 502 ({{n}})", severity=p1, team=payments, by=alice).pk
        for n in range({first}, {first + count})
    ])
""")


REPORT = """
from tocsin.incidents.models import Event, TimelineEvent
from tocsin.notify.models import OutboxMessage

emit({
    "outbox": [
        {**row, "claimed_at": row["claimed_at"].isoformat()}
        for row in OutboxMessage.objects.values(
            "id", "incident_id", "address", "purpose", "state", "attempts", "claimed_by",
            "claimed_at", "provider_message_id",
        )
    ],
    "pages_on_timeline": list(
        TimelineEvent.objects.filter(kind=Event.PAGE_SENT)
        .values_list("incident_id", "data__outbox_message")
    ),
})
"""

# The messages a worker holds (state `sending`): id -> [attempts, when its lease ends].
HELD = """
from tocsin.notify.models import OutboxMessage

emit({
    row["id"]: [row["attempts"], row["next_attempt_at"].isoformat()]
    for row in OutboxMessage.objects.filter(state="sending").values(
        "id", "attempts", "next_attempt_at"
    )
})
"""

# The replacement worker: `tocsin worker`, started once the dead worker's lease has run out.
# The message in flight holds a 60 s lease (LEASE); time is travelled, not slept on.
WORKER_AFTER_THE_LEASE = f"""
import sys
from datetime import UTC, datetime, timedelta

import time_machine

from tocsin.cli import main

with time_machine.travel(datetime.now(UTC) + timedelta(seconds={LEASE.total_seconds() + 1}),
                         tick=True):
    sys.exit(main(["worker"]))
"""


class HeldMailbox(Mailbox):
    """Keeps the `hold_at`-th message it receives, then leaves the sender waiting for the reply.

    This is the moment at-least-once delivery is about: the mail server has the whole message
    and will deliver it, the worker has not heard "250 accepted" and has not recorded it sent.
    """

    def __init__(self, *, hold_at: int):
        super().__init__()
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_at:
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
        return reply


def live_payments(tmp_path, name: str, mailbox: Mailbox) -> LiveTocsin:
    tocsin = LiveTocsin(tmp_path, name=name)
    tocsin.env.update(
        TOCSIN_SMTP_HOST="127.0.0.1",
        TOCSIN_SMTP_PORT=str(mailbox.port),
        # The held message must still be waiting for its reply when the worker is killed.
        TOCSIN_SMTP_TIMEOUT="60",
    )
    tocsin.python(PAYMENTS)
    return tocsin


def sent_count(tocsin: LiveTocsin) -> int:
    return tocsin.value("SELECT count(*) FROM notify_outboxmessage WHERE state = 'sent'")


def incident_of(message) -> int:
    """The incident an e-mail is about, from the thread id every one of them refers to."""
    return int(message["References"].strip("<>").split(".")[0].removeprefix("incident-"))


def pages_received(messages) -> dict[int, list[str]]:
    """incident id -> the addresses its pages reached, one entry per distinct Message-ID."""
    received: dict[int, list[str]] = {}
    seen = set()
    for message in messages:
        if message["Message-ID"] in seen:
            continue
        seen.add(message["Message-ID"])
        received.setdefault(incident_of(message), []).append(str(message["To"]))
    return received


INCIDENTS = 200


@pytest.mark.skipif(
    not on_postgres(),
    reason="several workers need PostgreSQL: on SQLite every write transaction takes the "
    "database lock up front, so their claims never overlap (set TOCSIN_DATABASE_URL=postgres://…)",
)
def test_two_workers_page_200_incidents_each_person_exactly_once(tmp_path):
    mailbox = Mailbox()
    mailbox.start()
    tocsin, workers = None, []
    try:
        tocsin = live_payments(tmp_path, "paging", mailbox)
        workers = [tocsin.worker(f"worker-{n}") for n in (1, 2)]
        for worker in workers:
            worker.wait_until_started()
        incidents = declare_p1_incidents(tocsin, INCIDENTS)
        pages = INCIDENTS * len(LEVEL_ONE)
        wait_for(
            lambda: sent_count(tocsin) == pages,
            timeout=120,
            interval=0.5,
            what=f"{pages} pages (2 people × {INCIDENTS} incidents) recorded sent",
        )
        wait_for(
            lambda: len(mailbox.messages) >= pages,
            timeout=10,
            what=f"{pages} e-mails at the mail server",
        )
        report = tocsin.python(REPORT)
    finally:
        for worker in workers:
            worker.stop()
        if tocsin is not None:
            tocsin.close()
        mailbox.stop()

    outbox = report["outbox"]
    assert len(outbox) == pages
    assert {row["purpose"] for row in outbox} == {"page"}
    assert {row["state"] for row in outbox} == {"sent"}
    assert {row["attempts"] for row in outbox} == {1}, "no page was tried twice"

    message_ids = Counter(m["Message-ID"] for m in mailbox.messages)
    assert len(mailbox.messages) == pages
    assert len(message_ids) == pages, "every page arrives once: no Message-ID twice"
    assert set(message_ids) == {row["provider_message_id"] for row in outbox}
    received = pages_received(mailbox.messages)
    assert set(received) == set(incidents)
    assert all(sorted(received[i]) == sorted(LEVEL_ONE) for i in incidents), (
        "each incident pages Alice and Bob once each"
    )
    assert mailbox.to(ERIN) == [], "level 2 is not due for another 30 minutes"

    assert sorted(report["pages_on_timeline"]) == sorted(
        [row["incident_id"], row["id"]] for row in outbox
    ), "one PAGE_SENT on its incident's timeline per page"

    shares = Counter(row["claimed_by"] for row in outbox)
    assert set(shares) == {worker.id for worker in workers}, f"both workers sent pages: {shares}"
    logs = [worker.output() for worker in workers]
    assert all("outbox:" in log and "Traceback" not in log for log in logs), logs


FIRST_WAVE = 100  # declared before the worker dies
SECOND_WAVE = 20  # declared while its delivery is stuck: none of their pages is sent when it dies
HOLD_AT = 30  # the page the mail server takes but never answers


def test_a_worker_killed_mid_send_loses_no_page_and_doubles_only_the_one_in_flight(tmp_path):
    mailbox = HeldMailbox(hold_at=HOLD_AT)
    mailbox.start()
    pages = (FIRST_WAVE + SECOND_WAVE) * len(LEVEL_ONE)
    tocsin, workers = None, []
    try:
        tocsin = live_payments(tmp_path, "crash", mailbox)
        killed = tocsin.worker("worker-killed")
        workers.append(killed)
        killed.wait_until_started()
        incidents = declare_p1_incidents(tocsin, FIRST_WAVE)
        wait_for(
            mailbox.holding.is_set,
            timeout=60,
            what=f"the worker to hand page {HOLD_AT} to the mail server",
        )
        incidents += declare_p1_incidents(tocsin, SECOND_WAVE, first=FIRST_WAVE)
        killed.kill()
        arrived_at_the_kill = len(mailbox.messages)
        held = mailbox.messages[HOLD_AT - 1]
        # Its claims: the one in flight under LEASE, the rest of its batch untried under the
        # shorter CLAIM_LEASE. JSON made the ids strings.
        held_at_the_kill = {int(i): held for i, held in tocsin.python(HELD).items()}
        sent_at_the_kill = sent_count(tocsin)
        # The escalation engine does not wait for the stuck delivery: it may have paged some of
        # the second wave into the outbox already, but the pages lane sent none of them.
        second_wave_sent_at_the_kill = tocsin.value(
            "SELECT count(*) FROM notify_outboxmessage WHERE state = 'sent' AND incident_id IN "
            f"({', '.join(str(i) for i in incidents[FIRST_WAVE:])})"
        )
        mailbox.released.set()

        # Restarted at once, as a supervisor would: it pages the second wave and sends every
        # page nobody holds, and leaves the dead worker's claims alone while their lease lasts.
        restarted = tocsin.worker("worker-restarted")
        workers.append(restarted)
        restarted.wait_until_started()
        wait_for(
            lambda: sent_count(tocsin) >= pages - len(held_at_the_kill),
            timeout=60,
            interval=0.5,
            what=f"every page but the {len(held_at_the_kill)} the dead worker held, sent",
        )
        restarted.stop()

        after_the_lease = tocsin.worker(
            "worker-after-the-lease", argv=(sys.executable, "-c", WORKER_AFTER_THE_LEASE)
        )
        workers.append(after_the_lease)
        after_the_lease.wait_until_started()
        wait_for(
            lambda: sent_count(tocsin) == pages,
            timeout=60,
            interval=0.5,
            what=f"all {pages} pages sent once the dead worker's lease ran out",
        )
        wait_for(
            lambda: len(mailbox.messages) >= pages + 1,
            timeout=10,
            what=f"{pages} e-mails and the second copy of the one in flight",
        )
        report = tocsin.python(REPORT)
    finally:
        mailbox.released.set()
        for worker in workers:
            worker.stop()
        if tocsin is not None:
            tocsin.close()
        mailbox.stop()

    # At the kill: pages were due and not all had arrived; one was in flight, the rest of its
    # batch claimed but untried; no page of the second wave had been sent.
    assert arrived_at_the_kill == HOLD_AT < pages
    assert sent_at_the_kill == HOLD_AT - 1
    assert second_wave_sent_at_the_kill == 0
    in_flight = [i for i, (attempts, _) in held_at_the_kill.items() if attempts > 0]
    assert len(in_flight) == 1, held_at_the_kill
    [in_flight_id] = in_flight

    outbox = {row["id"]: row for row in report["outbox"]}
    assert len(outbox) == pages
    assert {row["state"] for row in outbox.values()} == {"sent"}
    assert outbox[in_flight_id]["attempts"] == 2
    assert {row["attempts"] for i, row in outbox.items() if i != in_flight_id} == {1}
    shares = Counter(row["claimed_by"] for row in outbox.values())
    assert shares[killed.id] == HOLD_AT - 1
    assert shares[restarted.id] + shares[after_the_lease.id] == pages - (HOLD_AT - 1)

    # Nobody took a claim over before its lease ran out: each message the dead worker held was
    # sent by another worker, under a claim made no earlier than the end of that lease (both
    # as the workers' clocks recorded them, however long the machine took in between).
    for message_id, (_, lease_ends) in held_at_the_kill.items():
        row = outbox[message_id]
        assert row["claimed_by"] in (restarted.id, after_the_lease.id), row
        assert datetime.fromisoformat(row["claimed_at"]) >= datetime.fromisoformat(lease_ends), (
            f"message {message_id} was taken over at {row['claimed_at']}, "
            f"before its lease ended at {lease_ends}"
        )

    # Every page arrived; the only second copy is the one in flight, under the same Message-ID.
    message_ids = Counter(m["Message-ID"] for m in mailbox.messages)
    assert len(mailbox.messages) == pages + 1
    assert set(message_ids) == {row["provider_message_id"] for row in outbox.values()}
    assert {mid: n for mid, n in message_ids.items() if n > 1} == {held["Message-ID"]: 2}
    assert outbox[in_flight_id]["provider_message_id"] == held["Message-ID"]
    received = pages_received(mailbox.messages)
    assert set(received) == set(incidents)
    assert all(sorted(received[i]) == sorted(LEVEL_ONE) for i in incidents)
    assert mailbox.to(ERIN) == []

    # The crash doubled nothing on the timeline either: one PAGE_SENT per page.
    assert sorted(report["pages_on_timeline"]) == sorted(
        [row["incident_id"], row["id"]] for row in outbox.values()
    )
    for worker in workers:
        assert "Traceback" not in worker.output(), worker.output()


WORK_ON = """
from tocsin.accounts.models import User
from tocsin.incidents.models import Channel, Incident
from tocsin.incidents.services import acknowledge, resolve

bob = User.objects.get(email="bob@example.com")
for pk in {acknowledged}:
    acknowledge(incident=Incident.objects.get(pk=pk), by=bob, via=Channel.WEB)
for pk in {resolved}:
    resolve(incident=Incident.objects.get(pk=pk), by=bob, via=Channel.WEB, resolution="Fixed")
"""

PAGE_STATES = """
from tocsin.notify.models import OutboxMessage

emit([
    [row["incident_id"], row["state"], row["attempts"]]
    for row in OutboxMessage.objects.filter(purpose="page").values(
        "incident_id", "state", "attempts"
    )
])
"""

DROPPED_LINES = """
from tocsin.incidents.models import TimelineEvent

emit(sorted(
    TimelineEvent.objects.filter(data__page_dropped=True).values_list("incident_id", "message")
))
"""


def test_pages_queued_while_the_mail_server_is_down_never_reach_anyone_once_nobody_is_needed(
    tmp_path,
):
    """A page for an incident that is no longer open is never sent. The mail server is down
    while 30 P1 incidents page Alice and Bob; ten are acknowledged and ten resolved before it
    comes back. Two workers keep retrying; once it answers, only the ten still open are paged."""
    mailbox = Mailbox()  # its port is chosen, nothing listens there yet: connection refused
    tocsin, workers = None, []
    try:
        tocsin = live_payments(tmp_path, "closed", mailbox)
        tocsin.env["TOCSIN_SMTP_TIMEOUT"] = "5"
        workers = [tocsin.worker(f"worker-{n}") for n in (1, 2)]
        for worker in workers:
            worker.wait_until_started()
        incidents = declare_p1_incidents(tocsin, 30)
        acknowledged, resolved, still_open = incidents[:10], incidents[10:20], incidents[20:]
        wait_for(
            lambda: (
                (rows := tocsin.python(PAGE_STATES))
                and len(rows) == 60
                and all(state == "pending" for _, state, _ in rows)
                and any(attempts for _, _, attempts in rows)
            ),
            timeout=60,
            interval=0.5,
            what="all 60 pages queued, and the mail server tried and refusing connections",
        )
        tocsin.python(WORK_ON.format(acknowledged=acknowledged, resolved=resolved))
        mailbox.start()
        wait_for(
            lambda: len(mailbox.messages) >= 20,
            timeout=60,
            interval=0.5,
            what="the 20 pages of the incidents still open, once the mail server is up",
        )
        wait_for(
            lambda: all(state != "pending" for _, state, _ in tocsin.python(PAGE_STATES)),
            timeout=30,
            what="no page left waiting",
        )
        states = tocsin.python(PAGE_STATES)
        dropped_lines = tocsin.python(DROPPED_LINES)
    finally:
        for worker in workers:
            worker.stop()
        if tocsin is not None:
            tocsin.close()
        mailbox.stop()

    by_incident = {}
    for incident, state, _ in states:
        by_incident.setdefault(incident, set()).add(state)
    assert all(by_incident[i] == {"dropped"} for i in acknowledged + resolved), by_incident
    assert all(by_incident[i] == {"sent"} for i in still_open), by_incident
    received = pages_received(mailbox.messages)
    assert set(received) == set(still_open), "no page for an acknowledged or resolved incident"
    assert len(mailbox.messages) == 20
    # Each dropped page says why, naming the person and who made it unnecessary.
    assert len(dropped_lines) == 40
    lines = dict.fromkeys(
        message.split(" not sent: ")[1].split(" at ")[0] for _, message in dropped_lines
    )
    assert {line.split(" was ")[1] for line in lines} == {
        "acknowledged by Bob Okafor",
        "resolved by Bob Okafor",
    }
    for worker in workers:
        assert "Traceback" not in worker.output(), worker.output()
