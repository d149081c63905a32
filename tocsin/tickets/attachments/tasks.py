"""Attachments' periodic job, for tocsin/tickets/tasks.py to declare: files a killed process
left behind (written, never committed) are removed an hour after they were written."""

from tocsin.periodic import PeriodicJob

from .storage import sweep

PERIODIC = [PeriodicJob("ticket attachments: clean-up", sweep, every=3600)]
