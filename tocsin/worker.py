"""The background worker: queued tasks from the database, and the periodic checks.

Each app declares its periodic jobs in its `tasks.py` (tocsin/periodic.py); every job is
idempotent and coordinates through database rows, so any number of workers may run at once.

A worker outlives its database: when the database cannot be reached (stopped, restarting, a
network cut), it says so once in the log, tries again after 1 s, 2 s, 4 s … up to 30 s, says so
again when the database is back, and carries on with the backlog. Every job is written to be
run again after an interruption, so nothing is lost and nothing is done twice.

A job that names a thread (tocsin/periodic.py) runs in that thread, each with its own database
connection and its own wait for a database that went away: the escalation engine and each
delivery lane (tocsin/notify/delivery/lanes.py) have one, so none of them waits for another.
The main loop runs the other periodic jobs and the queued tasks. A thread whose job names a
wake-up channel (tocsin/wake.py: alert intake's) also starts at once when a web process calls.
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

from tocsin import wake
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


def run_periodic(
    jobs: list[PeriodicJob], *, now: float, wakes: dict[str, threading.Event] | None = None
) -> int:
    """Run the jobs that are due; how many were."""
    ran = 0
    for job in jobs:
        if now < job.next_run:
            continue
        ran += 1
        job.next_run = now + job.every
        try:
            if job.run() and job.wakes and wakes and job.wakes in wakes:
                wakes[job.wakes].set()
        except DATABASE_ERRORS:
            raise  # the worker waits for the database, not one job
        except Exception:
            # One failing job must not stop the others, nor the task queue.
            logger.exception("periodic job %r failed", job.name)
    return ran


def run_worker(*, interval: float = 0.2) -> None:
    under_serve = bool(os.environ.get("TOCSIN_PARENT_PID"))  # its banner said where mail goes
    _stop_with_parent()
    stopping = threading.Event()

    wakes: dict[str, threading.Event] = {}

    def stop(signum, frame):
        logger.info("worker stopping after the current step (%s)", signal.strsignal(signum))
        stopping.set()
        for event in wakes.values():
            event.set()

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
    groups = {name: group for name, group in _by_thread(jobs).items() if name}
    wakes.update((name, threading.Event()) for name in groups)
    threads = [
        threading.Thread(
            target=_run_thread,
            args=(name, group, stopping, outage, interval, wakes),
            name=f"tocsin-{name}",
        )
        for name, group in groups.items()
    ]
    channels = {job.channel: job.thread for job in jobs if job.channel and job.thread}
    threads += [
        threading.Thread(
            target=wake.listen,
            args=(channel, wakes[thread], stopping),
            name=f"tocsin-wake-{channel}",
        )
        for channel, thread in channels.items()
    ]
    main = [job for job in jobs if not job.thread]

    def main_round(now: float) -> None:
        run_periodic(main, now=now, wakes=wakes)
        tasks.running = True
        tasks.run()  # every task that is due, then back here

    logger.info("worker %s started", worker_id)
    if not under_serve:
        from tocsin.notify.channels import start_up_notes

        for note in start_up_notes():
            logger.warning(note)
    for thread in threads:
        thread.start()
    _loop(main_round, stopping=stopping, outage=outage, interval=interval)
    for thread in threads:
        thread.join()  # a send in hand ends within its timeout
    logger.info("worker %s stopped", worker_id)


def _by_thread(jobs: list[PeriodicJob]) -> dict[str, list[PeriodicJob]]:
    groups: dict[str, list[PeriodicJob]] = {}
    for job in jobs:
        groups.setdefault(job.thread, []).append(job)
    return groups


def _loop(
    round_,
    *,
    stopping: threading.Event,
    outage: "DatabaseOutage",
    interval: float,
    wake: threading.Event | None = None,
    jobs: list[PeriodicJob] = (),
):
    while not stopping.is_set():
        started = time.monotonic()
        try:
            close_old_connections()
            ran = round_(started)
        except DATABASE_ERRORS as error:
            stopping.wait(outage.failed(error))
            continue
        if ran is None or ran:  # a round that ran no job has not seen the database
            outage.over()
        # Every `interval` from the start of one round to the next, not after each round; a
        # thread that is woken (its work is waiting) runs its jobs again at once.
        pause = max(interval - (time.monotonic() - started), 0.01)
        if wake is None:
            stopping.wait(pause)
        elif wake.wait(pause):
            wake.clear()
            for job in jobs:
                job.next_run = 0.0


def _run_thread(name, jobs, stopping, outage, interval, wakes) -> None:
    """One thread's periodic jobs until the worker stops; its connection closed at the end."""
    try:
        while not stopping.is_set():
            try:
                _loop(
                    lambda now: run_periodic(jobs, now=now, wakes=wakes),
                    stopping=stopping,
                    outage=outage,
                    interval=interval,
                    wake=wakes[name],
                    jobs=jobs,
                )
            except Exception:
                # Never a lane that silently stops: say so, and carry on.
                logger.exception("worker thread %r failed; going on in 1s", name)
                stopping.wait(1.0)
    finally:
        connections.close_all()


class DatabaseOutage:
    """The worker's view of a database it cannot reach: one log line when it goes, one when it
    returns, and a wait that doubles in between (each thread's own)."""

    def __init__(self):
        self.since: float | None = None
        self._delays: dict[int, float] = {}
        self._lock = threading.Lock()

    def failed(self, error: Exception) -> float:
        """Note the failure; the seconds this thread waits before trying again."""
        # A broken connection is never reused: the next round opens a new one. Django's
        # connections are the calling thread's own.
        for connection in connections.all(initialized_only=True):
            with contextlib.suppress(DATABASE_ERRORS):
                connection.close()
        reason = (str(error).strip() or type(error).__name__).splitlines()[0]
        thread = threading.get_ident()
        with self._lock:
            if self.since is None:
                self.since = time.monotonic()
                logger.warning("database unavailable (%s); trying again until it is back", reason)
            wait = self._delays.get(thread, FIRST_RECONNECT_DELAY_SECONDS)
            self._delays[thread] = min(wait * 2, MAX_RECONNECT_DELAY_SECONDS)
        logger.info("database still unavailable; next try in %gs", wait)
        return wait

    def over(self) -> None:
        thread = threading.get_ident()
        if self.since is None and thread not in self._delays:
            return  # the usual round: nothing to take a lock for
        with self._lock:
            self._delays.pop(thread, None)
            if self.since is not None:
                down = time.monotonic() - self.since
                logger.warning("database is back after %.0fs; carrying on", down)
            self.since = None
