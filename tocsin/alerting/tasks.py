"""Alerting's background work, run by every worker."""

from tocsin.periodic import PeriodicJob

from .flapping import resolve_quiet_incidents
from .heartbeats import check_heartbeats
from .intake_queue import CHANNEL, process_backlog, purge_processed
from .storms import end_storms

# Without a wake-up call (a lost one, a worker on another machine that missed it) waiting
# events are found at the next poll.
INTAKE_POLL = 1.0

PERIODIC = [
    PeriodicJob("missed heartbeats", check_heartbeats, every=5),
    PeriodicJob("flapping alerts gone quiet", resolve_quiet_incidents, every=60),
    # Its own thread, woken by every accepted event; what it acts on may have pages to send.
    PeriodicJob(
        "alert intake",
        process_backlog,
        every=INTAKE_POLL,
        thread="intake",
        wakes="escalation",
        channel=CHANNEL,
    ),
    PeriodicJob("alert intake: storms that are over", end_storms, every=15),
    PeriodicJob("alert intake: forget processed events", purge_processed, every=3600),
]
