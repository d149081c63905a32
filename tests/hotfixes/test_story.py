"""The hot fix story: Bob fixed INC-n with a pull request on main after it was resolved, and
it must be merged back into release/2.3 and release/2.2. He records it, ticks release/2.3 on
the incident page, and is reminded by e-mail of release/2.2 until it is done."""

from datetime import timedelta

from django.urls import reverse

from tests.support.mailbox import text_of
from tests.support.outbox import deliver
from tests.support.web import BASE_URL, page_text
from tocsin.hotfixes import tasks
from tocsin.hotfixes.models import HotFix
from tocsin.hotfixes.reminders import send_unmerged_reminders
from tocsin.hotfixes.selectors import unmerged
from tocsin.hotfixes.services import mark_merged_back
from tocsin.incidents.models import Status
from tocsin.notify.models import OutboxMessage

from .conftest import CHANGE, hot_fix_events


def _reminders():
    return OutboxMessage.objects.filter(data__notice="hot-fix-unmerged")


def test_a_hot_fix_is_recorded_on_a_resolved_incident_and_ticked_off_branch_by_branch(
    resolved, member, signed_in, monday, smtp
):
    assert resolved.status == Status.RESOLVED
    client = signed_in(member)

    # Recorded from the incident page's form: Bob owns it, as he recorded it.
    response = client.post(
        reverse("hot-fix-record", args=[resolved.pk]),
        {"change_url": CHANGE, "branch": "main", "targets": "release/2.3, release/2.2"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{resolved.pk}/#hot-fixes"
    hot_fix = HotFix.objects.get(incident=resolved)
    assert hot_fix.owner == member and hot_fix.created_by == member
    assert [(t.branch, t.done) for t in hot_fix.targets.all()] == [
        ("release/2.3", False),
        ("release/2.2", False),
    ]
    assert hot_fix_events(resolved) == [
        f"Hot fix recorded: {CHANGE} on main, to merge back into release/2.3, release/2.2"
    ]
    assert list(unmerged()) == [hot_fix]

    page = page_text(client.get(reverse("incident-detail", args=[resolved.pk])))
    assert "Hot fixes" in page and CHANGE in page
    assert "Merged back into release/2.3" in page and "Merged back into release/2.2" in page

    # Ticked on the incident page: release/2.3 is done, release/2.2 still waits.
    release_23 = hot_fix.targets.get(branch="release/2.3")
    monday.shift(timedelta(hours=2))
    response = client.post(
        reverse("hot-fix-merge-back", args=[hot_fix.pk, release_23.pk]),
        {"done": "on", "next": f"/incidents/{resolved.pk}/#hot-fixes"},
    )
    assert response.status_code == 302
    release_23.refresh_from_db()
    assert release_23.done and release_23.done_by == member and release_23.done_at is not None
    assert hot_fix_events(resolved)[-1] == "Hot fix merged back into release/2.3"
    assert list(unmerged()) == [hot_fix]

    # Two days on: not old enough to remind anyone (TOCSIN_HOTFIX_REMIND_DAYS is 3).
    monday.shift(timedelta(days=2))
    assert send_unmerged_reminders() == 0

    # Past three days: Bob is e-mailed, over real SMTP, about release/2.2 only.
    monday.shift(timedelta(days=1, hours=1))
    assert send_unmerged_reminders() == 1
    deliver()
    [mail] = smtp.to(member.email)
    assert mail["Subject"].strip() == (
        f"[{resolved.reference}] Hot fix not merged back: release/2.2"
    )
    body = text_of(mail)
    assert f"The hot fix {CHANGE} on main" in body
    assert "is not merged back yet into: release/2.2." in body
    assert f"{BASE_URL}/incidents/{resolved.pk}/#hot-fixes" in body
    assert smtp.to("alice@example.com") == []
    assert hot_fix_events(resolved)[-1] == (
        "Hot fix not merged back yet into release/2.2: Bob Okafor reminded"
    )

    # Not twice the same day, however often the worker runs.
    monday.shift(timedelta(hours=3))
    assert send_unmerged_reminders() == 0
    deliver()
    assert len(smtp.to(member.email)) == 1

    # The next day: again.
    monday.shift(timedelta(days=1))
    assert send_unmerged_reminders() == 1
    deliver()
    assert len(smtp.to(member.email)) == 2

    # release/2.2 merged back: nothing is unmerged, and nobody is reminded any more.
    mark_merged_back(hot_fix=hot_fix, by=member, branch="release/2.2")
    assert hot_fix_events(resolved)[-1] == "Hot fix merged back into release/2.2"
    assert not unmerged().exists()
    monday.shift(timedelta(days=1))
    assert send_unmerged_reminders() == 0
    deliver()
    assert len(smtp.to(member.email)) == 2
    assert _reminders().count() == 2


def test_the_worker_runs_the_reminders():
    assert [job.name for job in tasks.PERIODIC if job.run is send_unmerged_reminders] == [
        "hot fixes: merge-back reminders"
    ]


def test_the_worker_finds_the_job_among_every_apps(db):
    from tocsin.worker import periodic_jobs

    assert "hot fixes: merge-back reminders" in [job.name for job in periodic_jobs()]
