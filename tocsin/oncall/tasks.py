"""On-call's background work, run by every worker."""

from tocsin.notify.delivery.loop import deliver_due_now
from tocsin.periodic import PeriodicJob

from .escalation.engine import run_due_escalations

# Pages are due the moment an incident is declared: the engine and the outbox are polled often
# (one indexed read each when idle, no lock), and each small round of escalation steps is
# delivered before the next, so a page written early does not wait for a long backlog.
PAGE_POLL = 0.2
ESCALATION_ROUND = 10


def page_and_deliver() -> int:
    """Due escalation steps, ESCALATION_ROUND at a time, each round followed by deliveries."""
    handled = 0
    while True:
        steps = run_due_escalations(limit=ESCALATION_ROUND)
        handled += steps
        deliver_due_now()
        if steps < ESCALATION_ROUND:
            return handled


PERIODIC = [PeriodicJob("pages and deliveries", page_and_deliver, every=PAGE_POLL)]
