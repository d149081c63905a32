"""The background worker: queued tasks from the database, and the periodic checks.

Each app declares its periodic jobs in its `tasks.py` (tocsin/periodic.py); every job is
idempotent and coordinates through database rows, so any number of workers may run at once.

A worker outlives its database: when the database cannot be reached (stopped, restarting, a
network cut), it says so once in the log, tries again after 1 s, 2 s, 4 s … up to 30 s, says so
again when the database is back, and carries on with the backlog. Every job is written to be
run again after an interruption, so nothing is lost and nothing is done twice.
"""

import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import replace
from importlib import import_module

from django.apps import apps
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils.module_loading import module_has_submodule
from django_tasks_db.management.commands.db_worker import Worker

from tocsin.periodic import PeriodicJob

logger = logging.getLogger("tocsin.worker")

_PR_SET_PDEATHSIG = 1

FIRST_RECONNECT_DELAY_SECONDS = 1.0
MAX_RECONNECT_DELAY_SECONDS = 30.0
DATABASE_ERRORS = (OperationalError, InterfaceError)


def periodic_jobs() -> list[PeriodicJob]:
    """Every app's `tasks.PERIODIC`, in INSTALLED_APPS order, as fresh jobs due at once."""
    jobs = []
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "tasks"):
            declared = import_module(f"{app.name}.tasks").PERIODIC
            jobs.extend(replace(job, next_run=0.0) for job in declared)
    return jobs


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
            job.run()
        except DATABASE_ERRORS:
            raise  # the worker waits for the database, not one job
        except Exception:
            # One failing job must not stop the others, nor the task queue.
            logger.exception("periodic job %r failed", job.name)


def run_worker(*, interval: float = 0.2) -> None:
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
    outage = DatabaseOutage()
    logger.info("worker %s started", worker_id)
    while not stopping.is_set():
        started = time.monotonic()
        try:
            close_old_connections()
            run_periodic(jobs, now=started)
            tasks.running = True
            tasks.run()  # every task that is due, then back here
        except DATABASE_ERRORS as error:
            stopping.wait(outage.failed(error))
            continue
        outage.over()
        # Every `interval` from the start of one round to the next, not after each round.
        stopping.wait(max(interval - (time.monotonic() - started), 0.01))
    logger.info("worker %s stopped", worker_id)


class DatabaseOutage:
    """The worker's view of a database it cannot reach: one log line when it goes, one when it
    returns, and a wait that doubles in between."""

    def __init__(self):
        self.since: float | None = None
        self.delay = FIRST_RECONNECT_DELAY_SECONDS

    def failed(self, error: Exception) -> float:
        """Note the failure; the seconds to wait before trying again."""
        # A broken connection is never reused: the next round opens a new one.
        for connection in connections.all(initialized_only=True):
            with contextlib.suppress(DATABASE_ERRORS):
                connection.close()
        reason = (str(error).strip() or type(error).__name__).splitlines()[0]
        if self.since is None:
            self.since = time.monotonic()
            logger.warning("database unavailable (%s); trying again until it is back", reason)
        wait, self.delay = self.delay, min(self.delay * 2, MAX_RECONNECT_DELAY_SECONDS)
        logger.info("database still unavailable; next try in %gs", wait)
        return wait

    def over(self) -> None:
        if self.since is not None:
            down = time.monotonic() - self.since
            logger.warning("database is back after %.0fs; carrying on", down)
        self.since = None
        self.delay = FIRST_RECONNECT_DELAY_SECONDS
