"""Action items' periodic job: reminders to the owners of overdue ones."""

from tocsin.periodic import PeriodicJob

from .reminders import send_overdue_reminders

PERIODIC = [PeriodicJob("action items: overdue reminders", send_overdue_reminders, every=600)]
