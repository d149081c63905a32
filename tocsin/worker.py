"""The background worker: queued tasks from the database, and the periodic checks.

Each app declares its periodic jobs in its `tasks.py` (tocsin/periodic.py); every job is
idempotent and coordinates through database rows, so any number of workers may run at once.
"""

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
from django.db import close_old_connections
from django.utils.module_loading import module_has_submodule
from django_tasks_db.management.commands.db_worker import Worker

from tocsin.periodic import PeriodicJob

logger = logging.getLogger("tocsin.worker")

_PR_SET_PDEATHSIG = 1


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
