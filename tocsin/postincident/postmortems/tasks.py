"""Post-mortems' periodic job: reminders of overdue drafts and pending reviews."""

from tocsin.periodic import PeriodicJob

from .services import send_reminders

PERIODIC = [PeriodicJob("post-mortems: reminders", send_reminders, every=600)]
