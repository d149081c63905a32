"""Notify's background work, run by every worker: one thread per delivery lane (lanes.py).

Pages and chats have a thread of their own, the team's e-mail another, webhooks two (each sends
to one webhook at a time), so a webhook receiver that never answers or a mail server that
stalls on the team's list holds up only its own lane.
"""

from tocsin.periodic import PeriodicJob

from .delivery.lanes import Lane
from .delivery.loop import deliver_due_now

DELIVERY_POLL = 0.2
WEBHOOK_THREADS = 2


def deliver_pages():
    return deliver_due_now(lane=Lane.PAGES)


def deliver_team_email():
    return deliver_due_now(lane=Lane.TEAM)


def deliver_webhooks():
    return deliver_due_now(lane=Lane.WEBHOOKS)


PERIODIC = [
    PeriodicJob("deliveries: pages and chats", deliver_pages, every=DELIVERY_POLL, thread="pages"),
    PeriodicJob("deliveries: team e-mail", deliver_team_email, every=DELIVERY_POLL, thread="team"),
    *(
        PeriodicJob(
            f"deliveries: webhooks {n}",
            deliver_webhooks,
            every=DELIVERY_POLL,
            thread=f"webhooks-{n}",
        )
        for n in range(1, WEBHOOK_THREADS + 1)
    ),
]
