"""Periodic jobs, declared by each app in its `tasks.py` as `PERIODIC = [PeriodicJob(...)]` and
run by every worker (tocsin/worker.py). Each is idempotent and coordinates through database
rows, so any number of workers may run them at once."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every: float  # seconds, from the start of one run to the start of the next
    next_run: float = 0.0
