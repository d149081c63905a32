"""On-call's background work, run by every worker."""

from tocsin.periodic import PeriodicJob

from .escalation.engine import run_due_escalations

# Pages are due the moment an incident is declared: the engine is polled often (one indexed
# read when idle, no lock), in a thread of its own, and never waits for a delivery: the pages
# it writes are sent by the pages lane's thread (tocsin/notify/tasks.py), which starts on the
# first round's pages while the engine goes on with the next.
PAGE_POLL = 0.2
ESCALATION_ROUND = 10


def escalate_due() -> int:
    """Due escalation steps, ESCALATION_ROUND at a time, until none is left."""
    handled = 0
    while True:
        steps = run_due_escalations(limit=ESCALATION_ROUND)
        handled += steps
        if steps < ESCALATION_ROUND:
            return handled


# The pages lane's thread is woken as soon as a round has written pages, rather than at its
# next poll.
PERIODIC = [
    PeriodicJob("escalations", escalate_due, every=PAGE_POLL, thread="escalation", wakes="pages")
]
