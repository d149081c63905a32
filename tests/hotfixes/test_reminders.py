"""The reminders' setting, TOCSIN_HOTFIX_REMIND_DAYS: days before an unmerged hot fix reminds
its owner (3 unless set), checked when Tocsin starts."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from tocsin.hotfixes import conf, tasks
from tocsin.hotfixes.reminders import send_unmerged_reminders
from tocsin.hotfixes.services import mark_not_merged_back, record_hot_fix
from tocsin.notify.models import OutboxMessage

from .conftest import CHANGE


def test_the_default_is_three_days(settings, monkeypatch):
    monkeypatch.delenv("TOCSIN_HOTFIX_REMIND_DAYS", raising=False)
    assert getattr(settings, "HOTFIX_REMIND_DAYS", None) is None
    assert conf.remind_days() == 3


def test_the_environment_sets_it(monkeypatch):
    monkeypatch.setenv("TOCSIN_HOTFIX_REMIND_DAYS", "7")
    assert conf.remind_days() == 7


@pytest.mark.parametrize("value", ["three", "0", "-1", "2.5"])
def test_a_wrong_value_stops_tocsin_at_start(monkeypatch, value):
    monkeypatch.setenv("TOCSIN_HOTFIX_REMIND_DAYS", value)
    with pytest.raises(ImproperlyConfigured, match="TOCSIN_HOTFIX_REMIND_DAYS must be"):
        apps.get_app_config("hotfixes").ready()


def test_one_day_reminds_after_one_day(hot_fix, member, monday, settings):
    settings.HOTFIX_REMIND_DAYS = 1
    monday.shift(timedelta(hours=23))
    assert send_unmerged_reminders() == 0
    monday.shift(timedelta(hours=2))
    assert send_unmerged_reminders() == 1
    mail = OutboxMessage.objects.get(data__notice="hot-fix-unmerged")
    assert mail.address == member.email and mail.recipient == member
    assert mail.subject.endswith("Hot fix not merged back: release/2.3, release/2.2")


def test_every_worker_checks_every_ten_minutes():
    [job] = [job for job in tasks.PERIODIC if job.run is send_unmerged_reminders]
    assert job.every == 600


def test_a_hot_fix_without_targets_never_reminds(resolved, member, monday):
    record_hot_fix(incident=resolved, by=member, change_url=CHANGE, branch="main")
    monday.shift(timedelta(days=10))
    assert send_unmerged_reminders() == 0
    assert not OutboxMessage.objects.filter(data__notice="hot-fix-unmerged").exists()


def test_reminders_go_to_the_owner_not_to_who_recorded_it(resolved, member, other_member, monday):
    record_hot_fix(
        incident=resolved,
        by=member,
        change_url=CHANGE,
        branch="main",
        targets=["release/2.3"],
        owner=other_member,
    )
    monday.shift(timedelta(days=4))
    assert send_unmerged_reminders() == 1
    assert list(
        OutboxMessage.objects.filter(data__notice="hot-fix-unmerged").values_list(
            "address", flat=True
        )
    ) == [other_member.email]


def test_clearing_a_merge_back_that_is_not_done_changes_nothing(hot_fix, member):
    before = hot_fix.incident.timeline.count()
    target = mark_not_merged_back(hot_fix=hot_fix, by=member, branch="release/2.3")
    assert not target.done
    assert hot_fix.incident.timeline.count() == before
