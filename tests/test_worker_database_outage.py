"""Workers outlive their database: PostgreSQL stopped and started under two `tocsin worker`
processes (and one started while it is down), and every page still arrives, once.

The PostgreSQL here is a cluster of the test's own, on its own port, so stopping it touches
nothing else; the SMTP server is real (aiosmtpd).
"""

import re
from collections import Counter

import pytest

from tests.support.live import LiveTocsin, wait_for
from tests.support.mailbox import Mailbox
from tests.support.postgres import OwnPostgres, postgres_bin

pytestmark = [
    pytest.mark.processes,
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL's server is not installed"),
]

DECLARE = """
from django.db import transaction
from tocsin.accounts.models import Team, User
from tocsin.incidents.models import Severity
from tocsin.incidents.services import declare

payments = Team.objects.get(slug="payments")
bob = User.objects.get(email="bob@example.com")
p1 = Severity.objects.get(key="P1")
with transaction.atomic():
    emit([
        declare(title=f"Outage test {{n}}", severity=p1, team=payments, by=bob).reference
        for n in range({first}, {last})
    ])
"""


@pytest.fixture
def mailbox():
    box = Mailbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture
def outage(tmp_path, mailbox):
    postgres = OwnPostgres(tmp_path / "postgres")
    tocsin = LiveTocsin(tmp_path / "data", name="outage", postgres_url=postgres.url)
    try:
        demo = tocsin.cli("demo")
        assert demo.returncode == 0, demo.stderr
        tocsin.env.update(TOCSIN_SMTP_HOST="127.0.0.1", TOCSIN_SMTP_PORT=str(mailbox.port))
        yield postgres, tocsin
    finally:
        postgres.start_if_stopped()
        tocsin.close()
        postgres.close()


def pages_for(mailbox: Mailbox, references: list[str]) -> Counter:
    """How many page e-mails arrived for each of `references` (any recipient)."""
    wanted = set(references)
    counts = Counter()
    for message in list(mailbox.messages):
        found = re.search(r"\bINC-\d+\b", message["Subject"])
        if found and found.group(0) in wanted and "Resolved" not in message["Subject"]:
            counts[found.group(0), message["To"]] += 1
    return counts


def test_workers_wait_for_the_database_and_page_the_backlog_once(outage, mailbox):
    postgres, tocsin = outage
    workers = [tocsin.worker("worker-1"), tocsin.worker("worker-2")]
    for worker in workers:
        worker.wait_until_started()

    before = tocsin.python(DECLARE.format(first=0, last=5))
    wait_for(lambda: len(pages_for(mailbox, before)) == 5, timeout=60, what="the first pages")

    postgres.stop()
    late = tocsin.worker("worker-3")  # started while the database is down

    def waiting(worker) -> bool:
        worker.assert_running()
        return worker.output().count("database still unavailable; next try in") >= 2

    for worker in [*workers, late]:
        wait_for(lambda w=worker: waiting(w), timeout=60, what=f"{worker.log.stem} to wait")
    for worker in [*workers, late]:
        worker.assert_running()
        assert worker.output().count("database unavailable (") == 1  # said once, not per try
        assert "Traceback" not in worker.output()

    postgres.start()
    for worker in [*workers, late]:
        wait_for(
            lambda w=worker: "database is back after" in w.output(),
            timeout=60,
            what=f"{worker.log.stem} to see the database again",
        )

    after = tocsin.python(DECLARE.format(first=5, last=10))
    everything = before + after
    wait_for(lambda: len(pages_for(mailbox, everything)) == 10, timeout=60, what="all pages")
    counts = pages_for(mailbox, everything)
    assert set(counts.values()) == {1}, counts  # each page once
    for worker in [*workers, late]:
        worker.assert_running()
