"""SQLite: the threads of one process take the write lock in turn (tocsin/dbbackends/sqlite3).

A thread that begins a transaction while another thread of the process is in one waits for its
turn on a lock of the process, and begins once the first has committed, instead of meeting
SQLite's lock and sleeping on it.
"""

import threading

import pytest
from django.db import connection, transaction

from tocsin.accounts.models import Team
from tocsin.dbbackends.sqlite3 import base

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the turns are SQLite's (the suite runs on SQLite)"
)


def in_thread(target):
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_second_thread_begins_its_transaction_once_the_first_has_committed():
    first_in, first_may_commit, second_asks = (
        threading.Event(),
        threading.Event(),
        threading.Event(),
    )
    order = []

    def first():
        with transaction.atomic():
            Team.objects.create(name="First", slug="first")
            order.append("first began")
            first_in.set()
            first_may_commit.wait(timeout=60)
            order.append("first commits")

    def second():
        first_in.wait(timeout=60)
        second_asks.set()
        with transaction.atomic():
            order.append("second began")
            Team.objects.create(name="Second", slug="second")

    one = in_thread(first)
    first_in.wait(timeout=60)
    assert base._turn.locked()  # the first thread has the turn
    two = in_thread(second)
    second_asks.wait(timeout=60)
    first_may_commit.set()
    one.join(timeout=60)
    two.join(timeout=60)

    assert order == ["first began", "first commits", "second began"]
    assert sorted(Team.objects.values_list("slug", flat=True)) == ["first", "second"]
    assert not base._turn.locked()  # every turn given back
