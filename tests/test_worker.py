"""The worker runs the periodic checks; one failing job does not stop the others."""

import threading
from datetime import timedelta

import time_machine
from django.utils import timezone

from tests.support.live import wait_for
from tocsin.alerting.models import Integration, Kind
from tocsin.incidents.models import Incident
from tocsin.periodic import PeriodicJob
from tocsin.worker import DatabaseOutage, _loop, periodic_jobs, run_periodic

CALLS = []


def failing_job():
    CALLS.append("failing")
    raise RuntimeError("boom")


def counting_job():
    CALLS.append("counting")


def test_a_failing_job_does_not_stop_the_next_one(db):
    CALLS.clear()
    jobs = [
        PeriodicJob("fails", failing_job, every=5),
        PeriodicJob("counts", counting_job, every=5),
    ]
    run_periodic(jobs, now=100.0)
    run_periodic(jobs, now=102.0)  # not due yet
    run_periodic(jobs, now=105.0)
    assert CALLS == ["failing", "counting", "failing", "counting"]


def test_the_worker_notices_a_missed_heartbeat(platform, severities):
    Integration.objects.create(
        kind=Kind.HEARTBEAT,
        name="Nightly backup",
        team=platform,
        heartbeat_interval=timedelta(minutes=5),
        heartbeat_grace=timedelta(minutes=1),
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=7)):
        run_periodic(periodic_jobs(), now=0.0)
    assert (
        Incident.objects.get().title == "Heartbeat 'Nightly backup' missed: no ping ever received"
    )


def test_each_app_declares_its_own_periodic_jobs(db):
    jobs = {job.name: job for job in periodic_jobs()}

    assert jobs["missed heartbeats"].run.__module__ == "tocsin.alerting.heartbeats"
    assert jobs["missed heartbeats"].every == 5
    assert jobs["escalations"].run.__module__ == "tocsin.oncall.tasks"
    assert jobs["deliveries: pages and chats"].run.__module__ == "tocsin.notify.tasks"
    assert all(job.next_run == 0.0 for job in jobs.values())


def test_alert_intake_the_escalation_engine_and_each_delivery_lane_have_a_thread_of_their_own(
    db,
):
    threads = {job.name: job.thread for job in periodic_jobs()}

    assert threads == {
        "missed heartbeats": "",  # the main loop, with the queued tasks
        "flapping alerts gone quiet": "",
        "alert intake": "intake",
        "alert intake: storms that are over": "",
        "alert intake: forget processed events": "",
        "escalations": "escalation",
        "deliveries: pages and chats": "pages",
        "deliveries: team e-mail": "team",
        "deliveries: webhooks 1": "webhooks-1",
        "deliveries: webhooks 2": "webhooks-2",
        "status page: maintenance": "",
        "status page: uptime of yesterday": "",
        "status page: unconfirmed subscribers": "",
        "post-mortems: reminders": "",
        "action items: overdue reminders": "",
        "drills: scheduled drills": "",
        "hot fixes: merge-back reminders": "",
        "ticket attachments: clean-up": "",
    }


def test_a_job_that_did_something_wakes_the_thread_it_names(db):
    wakes = {"pages": threading.Event()}
    jobs = [
        PeriodicJob("idle", lambda: 0, every=5, wakes="pages"),
    ]
    run_periodic(jobs, now=100.0, wakes=wakes)
    assert not wakes["pages"].is_set()  # nothing written: nobody to wake

    jobs = [PeriodicJob("busy", lambda: 3, every=5, wakes="pages")]
    run_periodic(jobs, now=100.0, wakes=wakes)
    assert wakes["pages"].is_set()
    assert periodic_jobs_by_name()["escalations"].wakes == "pages"
    intake = periodic_jobs_by_name()["alert intake"]
    assert (intake.wakes, intake.channel) == ("escalation", "intake")


def test_a_woken_thread_runs_its_jobs_before_their_next_poll():
    """The pages lane polls every 0.2 s; woken, it runs at once. Here the poll is an hour, so
    a second run can only come from the wake."""
    stopping, wake, runs = threading.Event(), threading.Event(), []
    job = PeriodicJob("pages", lambda: runs.append(1), every=3600.0)
    thread = threading.Thread(
        target=_loop,
        kwargs={
            "round_": lambda now: run_periodic([job], now=now),
            "stopping": stopping,
            "outage": DatabaseOutage(),
            "interval": 3600.0,
            "wake": wake,
            "jobs": [job],
        },
    )
    thread.start()
    try:
        wait_for(lambda: len(runs) == 1, what="the first run")
        wake.set()
        wait_for(lambda: len(runs) == 2, what="the run the wake asked for")
    finally:
        stopping.set()
        wake.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def periodic_jobs_by_name():
    return {job.name: job for job in periodic_jobs()}
