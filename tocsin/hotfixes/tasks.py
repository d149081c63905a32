"""Hot fixes' periodic job: reminders to the owners of unmerged ones."""

from tocsin.periodic import PeriodicJob

from .reminders import send_unmerged_reminders

PERIODIC = [PeriodicJob("hot fixes: merge-back reminders", send_unmerged_reminders, every=600)]
