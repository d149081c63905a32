"""The background worker: queued tasks from the database, and the periodic checks.

Every periodic job is idempotent and coordinates through database rows, so any number of
workers may run at once.
"""

import ctypes
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("tocsin.worker")

_PR_SET_PDEATHSIG = 1


@dataclass
class PeriodicJob:
    name: str
    path: str  # dotted path of a function taking no arguments
    every: float  # seconds
    next_run: float = 0.0

    def function(self) -> Callable[[], object]:
        return import_string(self.path)


# Pages are due the moment an incident is declared: the engine and the outbox are polled often
# (one indexed read each when idle, no lock), and each small round of escalation steps is
# delivered before the next, so a page written early does not wait for a long backlog.
PAGE_POLL = 0.2
ESCALATION_ROUND = 10


def page_and_deliver() -> int:
    """Due escalation steps, ESCALATION_ROUND at a time, each round followed by deliveries."""
    from tocsin.notify.delivery import deliver_due_now
    from tocsin.oncall.escalation import run_due_escalations

    handled = 0
    while True:
        steps = run_due_escalations(limit=ESCALATION_ROUND)
        handled += steps
        deliver_due_now()
        if steps < ESCALATION_ROUND:
            return handled


def periodic_jobs() -> list[PeriodicJob]:
    return [
        PeriodicJob("missed heartbeats", "tocsin.alerting.ingest.check_heartbeats", every=5),
        PeriodicJob("pages and deliveries", "tocsin.worker.page_and_deliver", every=PAGE_POLL),
    ]


def _stop_with_parent() -> None:
    """Under `tocsin serve`, stop when the server dies, even if it is killed outright."""
    parent = os.environ.pop("TOCSIN_PARENT_PID", "")
    if not parent.isdigit() or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != int(parent):  # the server died before the line above ran
        sys.exit(0)


def run_periodic(jobs: list[PeriodicJob], *, now: float) -> None:
    for job in jobs:
        if now < job.next_run:
            continue
        job.next_run = now + job.every
        try:
            job.function()()
        except Exception:
            # One failing job must not stop the others, nor the task queue.
            logger.exception("periodic job %r failed", job.name)


def run_worker(*, interval: float = PAGE_POLL) -> None:
    _stop_with_parent()
    stopping = threading.Event()

    def stop(signum, frame):
        logger.info("worker stopping after the current step (%s)", signal.strsignal(signum))
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
    tasks = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    jobs = periodic_jobs()
    logger.info("worker %s started", worker_id)
    while not stopping.is_set():
        started = time.monotonic()
        close_old_connections()
        run_periodic(jobs, now=started)
        tasks.running = True
        tasks.run()  # every task that is due, then back here
        # Every `interval` from the start of one round to the next, not after each round.
        stopping.wait(max(interval - (time.monotonic() - started), 0.01))
    logger.info("worker %s stopped", worker_id)
