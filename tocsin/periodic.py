"""Periodic jobs, declared by each app in its `tasks.py` as `PERIODIC = [PeriodicJob(...)]` and
run by every worker (tocsin/worker.py). Each is idempotent and coordinates through database
rows, so any number of workers may run them at once.

A job that names a `thread` runs in a thread of the worker's own with the other jobs that name
it, so nothing the main loop or another thread does (a queued task, a slow mail server) makes
it wait; the rest run one after another in the worker's main loop, with the queued tasks.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every: float  # seconds, from the start of one run to the start of the next
    next_run: float = 0.0
    thread: str = ""  # empty: the worker's main loop
    # A thread to wake at once when this job did something (returned a true value), instead of
    # waiting for its next poll: the engine wakes the pages lane when it has written pages.
    wakes: str = ""
    # A wake-up channel (tocsin/wake.py) on which the web processes call this job's thread when
    # its work arrives, so it starts at once instead of at its next poll.
    channel: str = ""
