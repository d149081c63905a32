"""The worker runs the periodic checks; one failing job does not stop the others."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from tocsin.alerting.models import Integration, Kind
from tocsin.incidents.models import Incident
from tocsin.periodic import PeriodicJob
from tocsin.worker import periodic_jobs, run_periodic

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


def test_the_escalation_engine_and_each_delivery_lane_have_a_thread_of_their_own(db):
    threads = {job.name: job.thread for job in periodic_jobs()}

    assert threads == {
        "missed heartbeats": "",  # the main loop, with the queued tasks
        "escalations": "escalation",
        "deliveries: pages and chats": "pages",
        "deliveries: team e-mail": "team",
        "deliveries: webhooks 1": "webhooks-1",
        "deliveries: webhooks 2": "webhooks-2",
    }
