"""A dead webhook receiver and a stalled mail server do not delay a page: a real `tocsin
worker`, a real SMTP server that leaves the team list's RCPT TO unanswered, a black-hole
webhook receiver on 127.0.0.1 that accepts connections and never answers, and a healthy
receiver beside it that still gets its deliveries."""

import socket
import threading
import time
from datetime import datetime

import pytest

from tests.oncall.escalation.test_paging_processes import PAYMENTS
from tests.support.fakes.webhook_receiver import Receiver
from tests.support.live import LiveTocsin, free_port, wait_for
from tests.support.mailbox import Mailbox

pytestmark = pytest.mark.processes

BOB = "bob@example.com"  # on call for Payments: a P1 pages him
TEAM_LIST = "payments-oncall@example.com"
NOTES = 20


class BlackHole:
    """A TCP server on 127.0.0.1 that accepts every connection and never says a word."""

    def __init__(self):
        self.port = free_port()
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.connections: list[socket.socket] = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.server.settimeout(0.1)
        while not self.closed.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(connection)

    def start(self) -> "BlackHole":
        self.thread.start()
        return self

    def stop(self):
        self.closed.set()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()
        self.server.close()


class TimedMailbox(Mailbox):
    """Notes when each message arrived (wall clock, as the worker's timestamps are)."""

    def __init__(self):
        super().__init__()
        self.arrived: dict[str, float] = {}  # Message-ID -> time.time()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        self.arrived[self.messages[-1]["Message-ID"]] = time.time()
        return reply


def setup_payments(tocsin: LiveTocsin, black_hole: BlackHole, healthy: Receiver) -> None:
    tocsin.python(PAYMENTS)
    healthy.secrets["/ok"] = tocsin.python(f"""
from tocsin.accounts.models import Team, User
from tocsin.webhooks.services import create_webhook

payments = Team.objects.get(slug="payments")
payments.email = "{TEAM_LIST}"
payments.save(update_fields=["email"])
create_webhook(
    team=payments, name="Black hole", url="http://127.0.0.1:{black_hole.port}/hook",
    by=User.objects.get(email="alice@example.com"),
)
emit(create_webhook(
    team=payments, name="Status bot", url="{healthy.url("/ok")}",
    by=User.objects.get(email="alice@example.com"),
).secret)
""")


QUEUE_TEAM_MAIL_AND_WEBHOOKS = f"""
from tocsin.accounts.models import Team, User
from tocsin.incidents.models import Channel, Severity
from tocsin.incidents.services import add_note, declare

payments = Team.objects.get(slug="payments")
alice = User.objects.get(email="alice@example.com")
# A P3 pages nobody: it e-mails the team's list, and tells the webhook.
incident = declare(
    title="Search is slow", severity=Severity.objects.get(key="P3"), team=payments, by=alice
)
for n in range({NOTES}):
    add_note(incident=incident, by=alice, via=Channel.WEB, text=f"looked at shard {{n}}")
emit(incident.pk)
"""

DECLARE_P1 = """
from tocsin.accounts.models import Team, User
from tocsin.incidents.models import Severity
from tocsin.incidents.services import declare

incident = declare(
    title="Checkout returns 502", severity=Severity.objects.get(key="P1"),
    team=Team.objects.get(slug="payments"), by=User.objects.get(email="alice@example.com"),
)
emit(incident.pk)
"""

STATES = """
from tocsin.notify.models import OutboxMessage

emit([
    {**row, "created_at": row["created_at"].isoformat(),
     "sent_at": row["sent_at"].isoformat() if row["sent_at"] else None}
    for row in OutboxMessage.objects.order_by("id").values(
        "id", "incident_id", "purpose", "channel", "address", "state", "provider_message_id",
        "created_at", "sent_at",
    )
])
"""


def test_a_page_is_delivered_while_a_webhook_and_the_team_list_hang(tmp_path):
    mailbox = TimedMailbox()
    mailbox.stall(TEAM_LIST)
    mailbox.start()
    black_hole = BlackHole().start()
    healthy = Receiver().start()
    tocsin = None
    try:
        tocsin = LiveTocsin(tmp_path, name="lanes")
        tocsin.env.update(
            TOCSIN_SMTP_HOST="127.0.0.1",
            TOCSIN_SMTP_PORT=str(mailbox.port),
            # The team list's message must still hang when the page goes out.
            TOCSIN_SMTP_TIMEOUT="30",
            TOCSIN_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        )
        setup_payments(tocsin, black_hole, healthy)
        worker = tocsin.worker("worker")
        worker.wait_until_started()

        tocsin.python(QUEUE_TEAM_MAIL_AND_WEBHOOKS)
        wait_for(lambda: TEAM_LIST in mailbox.unanswered, what="the team list's RCPT TO to hang")
        wait_for(lambda: black_hole.connections, what="a webhook POST to the black hole")

        p1 = tocsin.python(DECLARE_P1)
        page = wait_for(lambda: mailbox.to(BOB), timeout=15, interval=0.05, what="the page to Bob")[
            0
        ]
        still_hanging = TEAM_LIST in mailbox.unanswered
        rows = tocsin.python(STATES)
        # The other webhook thread: every delivery to the healthy receiver, the P1's included.
        wait_for(
            lambda: len(healthy.received("/ok")) >= NOTES + 2,
            timeout=60,
            what="every delivery to the healthy receiver",
        )
        after_the_healthy_ones = tocsin.python(STATES)
    finally:
        mailbox.release()
        if tocsin is not None:
            tocsin.close()
        black_hole.stop()
        healthy.stop()
        mailbox.stop()

    [page_row] = [r for r in rows if r["incident_id"] == p1 and r["address"] == BOB]
    team_mail = [r for r in rows if r["address"] == TEAM_LIST]
    black_hole_id, healthy_id = sorted({r["address"] for r in rows if r["channel"] == "webhook"})
    to_the_black_hole = [r for r in rows if r["address"] == black_hole_id]
    assert page_row["provider_message_id"] == page["Message-ID"]
    assert still_hanging, "the team list's message was still unanswered when the page arrived"
    assert team_mail and all(r["state"] != "sent" for r in team_mail)
    assert len(to_the_black_hole) == NOTES + 2  # triggered, the notes, and the P1's
    assert all(r["state"] != "sent" for r in to_the_black_hole)
    assert all(
        r["state"] != "sent"
        for r in after_the_healthy_ones
        if r["address"] in (black_hole_id, TEAM_LIST)
    ), "the healthy receiver was served while the black hole and the team list still hung"
    assert all(d.verified for d in healthy.received("/ok"))
    latency = (
        mailbox.arrived[page["Message-ID"]]
        - datetime.fromisoformat(page_row["created_at"]).timestamp()
    )
    print(f"\npage queued → at the mail server: {latency:.3f} s")
    assert "Traceback" not in worker.output(), worker.output()
