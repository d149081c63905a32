"""Several workers over one outbox: every message arrives exactly once.

On SQLite every write transaction takes the database lock up front, so claims cannot overlap
and these tests would prove nothing: they run when the suite runs on PostgreSQL.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from tests.support.live import LiveTocsin, on_postgres, wait_for
from tests.support.mailbox import Mailbox
from tocsin.notify.delivery.loop import Report, deliver_due
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.notify.outbox.services import enqueue

MESSAGES = 200

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent workers need PostgreSQL: SQLite serialises every write transaction "
        "(set TOCSIN_DATABASE_URL=postgres://…)",
    ),
]


def _queue(count: int) -> None:
    with transaction.atomic():
        for n in range(count):
            enqueue(
                idempotency_key=f"page:{n}",
                channel="email",
                address=f"person{n}@example.com",
                subject=f"page {n}",
                body_text=f"page {n}",
                purpose="page",
            )


def test_two_workers_deliver_200_messages_each_exactly_once(smtp):
    _queue(MESSAGES)
    start = threading.Barrier(2)
    reports: dict[str, Report] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            start.wait()
            total = Report()
            while (report := deliver_due(worker_id=name, limit=10)).claimed:
                total += report
            reports[name] = total
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    message_ids = [m["Message-ID"] for m in smtp.messages]
    assert len(message_ids) == MESSAGES
    assert len(set(message_ids)) == MESSAGES
    assert sum(r.sent for r in reports.values()) == MESSAGES
    assert all(r.sent > 0 for r in reports.values()), "both workers should have taken a share"
    assert OutboxMessage.objects.filter(state=OutboxState.SENT).count() == MESSAGES


def test_concurrent_enqueues_of_one_key_make_one_message():
    start = threading.Barrier(8)
    ids, errors = [], []

    def add() -> None:
        try:
            start.wait()
            with transaction.atomic():
                message = enqueue(
                    idempotency_key="resolution:1:1",
                    channel="email",
                    address="payments@example.com",
                    subject="s",
                    body_text="t",
                    purpose="resolution",
                )
            ids.append(message.pk)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(ids) == 8
    assert len(set(ids)) == 1
    assert OutboxMessage.objects.count() == 1


QUEUE = f"""
from django.db import transaction
from tocsin.notify.outbox.services import enqueue

with transaction.atomic():
    for n in range({MESSAGES}):
        enqueue(idempotency_key=f"page:{{n}}", channel="email", address=f"p{{n}}@example.com",
                subject=f"page {{n}}", body_text="wake up", purpose="page")
"""


@pytest.mark.processes
@pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL (TOCSIN_DATABASE_URL)")
def test_two_tocsin_worker_processes_deliver_each_message_once(tmp_path):
    mailbox = Mailbox()
    mailbox.start()
    tocsin = LiveTocsin(tmp_path, name="outbox")
    tocsin.env.update(TOCSIN_SMTP_HOST="127.0.0.1", TOCSIN_SMTP_PORT=str(mailbox.port))
    try:
        workers = [tocsin.worker(f"worker-{n}") for n in range(2)]
        for worker in workers:
            worker.wait_until_started()
        tocsin.python(QUEUE)  # one commit: both workers find the whole lot due at once
        wait_for(
            lambda: (
                tocsin.value("SELECT count(*) FROM notify_outboxmessage WHERE state = 'sent'")
                == MESSAGES
            ),
            timeout=60,
            what=f"{MESSAGES} messages sent",
        )
    finally:
        tocsin.close()  # stops the workers
        mailbox.stop()

    message_ids = [m["Message-ID"] for m in mailbox.messages]
    assert len(message_ids) == MESSAGES
    assert len(set(message_ids)) == MESSAGES
    logs = [worker.output() for worker in workers]
    assert all("sent" in log for log in logs), "both workers should have taken a share"
