"""Two people acknowledging at the same instant: one owner, one timeline entry."""

import threading

import pytest
from django.db import connection, connections

from tocsin.errors import Conflict
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import acknowledge

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are exercised on PostgreSQL"
)
def test_simultaneous_acknowledgements_leave_exactly_one_owner(incident, member, other_member):
    barrier = threading.Barrier(2)
    outcomes = {}

    def ack(person):
        barrier.wait()
        try:
            acknowledge(incident=incident, by=person, via=Channel.WEB)
            outcomes[person.pk] = "owner"
        except Conflict:
            outcomes[person.pk] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ack, args=(p,)) for p in (member, other_member)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes.values()) == ["conflict", "owner"]
    owner_pk = next(pk for pk, outcome in outcomes.items() if outcome == "owner")
    assert incident.refresh().acknowledged_by_id == owner_pk
    assert incident.timeline.filter(kind=Event.ACKNOWLEDGED).count() == 1
