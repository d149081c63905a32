"""Drills' periodic job: start the scheduled drills that are due (tocsin/periodic.py)."""

from tocsin.periodic import PeriodicJob

from .services import start_due_drills

PERIODIC = [PeriodicJob("drills: scheduled drills", start_due_drills, every=15)]
