"""The metrics fixture, computed by hand: January and February 2026, Payments and Platform,
incidents declared, acknowledged and resolved through the services at the instants below.

January (five counted: A B C D E; X a drill, Y cancelled):

| | severity | team | services | reported (UTC) | acknowledged after | resolved after |
|---|---|---|---|---|---|---|
| A | P1 | Payments | Checkout | 5 Jan 10:00 | 2 min | 60 min |
| B | P1 | Payments | Checkout, Ledger | 12 Jan 10:00 | 4 min | 30 min |
| C | P3 | Payments | Ledger | 20 Jan 10:00 | 10 min | 120 min |
| D | P3 | Platform | Public API | 25 Jan 10:00 | 6 min | still open |
| E | P1 | Platform | none | 31 Jan 23:30 | 20 min | 240 min (in February) |
| X | P1 | Payments (drill) | Checkout | 15 Jan 10:00 | 1 min | 5 min |
| Y | P1 | Payments (cancelled) | Checkout | 16 Jan 10:00 | 3 min | cancelled |

February (two counted):

| | severity | team | services | reported (UTC) | acknowledged after | resolved after |
|---|---|---|---|---|---|---|
| F | P3 | Payments | Checkout | 1 Feb 00:00 | 8 min | 45 min |
| G | P3 | Platform | Public API | 10 Feb 10:00 | 12 min | 15 min |
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine

from tests.support.clock import utc
from tests.support.people import person
from tocsin.accounts.models import MembershipRole
from tocsin.incidents.models import Channel, Incident, Service
from tocsin.incidents.services import acknowledge, cancel, declare, resolve

RANGE = {"start": "2026-01-01", "end": "2026-02-28"}


@dataclass
class Spec:
    name: str
    severity: str
    team: str
    services: tuple[str, ...]
    reported_at: datetime
    acknowledged_after: int | None  # minutes
    resolved_after: int | None  # minutes
    drill: bool = False
    cancelled: bool = False


FIXTURE = [
    Spec("A", "P1", "payments", ("checkout",), utc(2026, 1, 5, 10, 0), 2, 60),
    Spec("B", "P1", "payments", ("checkout", "ledger"), utc(2026, 1, 12, 10, 0), 4, 30),
    Spec("C", "P3", "payments", ("ledger",), utc(2026, 1, 20, 10, 0), 10, 120),
    Spec("D", "P3", "platform", ("public-api",), utc(2026, 1, 25, 10, 0), 6, None),
    Spec("E", "P1", "platform", (), utc(2026, 1, 31, 23, 30), 20, 240),
    Spec("X", "P1", "payments", ("checkout",), utc(2026, 1, 15, 10, 0), 1, 5, drill=True),
    Spec("Y", "P1", "payments", ("checkout",), utc(2026, 1, 16, 10, 0), 3, None, cancelled=True),
    Spec("F", "P3", "payments", ("checkout",), utc(2026, 2, 1, 0, 0), 8, 45),
    Spec("G", "P3", "platform", ("public-api",), utc(2026, 2, 10, 10, 0), 12, 15),
]


@pytest.fixture
def platform_engineer(platform):
    return person("dan@example.com", "Dan Ito", team=platform, membership=MembershipRole.LEAD)


@pytest.fixture
def catalogue(payments, platform, checkout):
    return {
        "checkout": checkout,
        "ledger": Service.objects.create(name="Ledger", slug="ledger", team=payments),
        "public-api": Service.objects.create(name="Public API", slug="public-api", team=platform),
    }


@pytest.fixture
def happened(severities, payments, platform, lead, member, platform_engineer, catalogue):
    """happened(spec) -> the incident, declared, acknowledged, resolved or cancelled at the
    spec's instants, through the same services people use."""
    teams = {
        "payments": (payments, lead, member),
        "platform": (platform, platform_engineer, platform_engineer),
    }

    def make(spec: Spec) -> Incident:
        team, commander, responder = teams[spec.team]
        with time_machine.travel(spec.reported_at, tick=False) as clock:
            incident = declare(
                title=f"Incident {spec.name}",
                severity=severities[spec.severity],
                team=team,
                by=commander,
                via=Channel.WEB,
                services=[Service.objects.get(slug=slug) for slug in spec.services],
                drill=spec.drill,
            )
            if spec.acknowledged_after is not None:
                clock.move_to(spec.reported_at + timedelta(minutes=spec.acknowledged_after))
                incident = acknowledge(incident=incident, by=responder, via=Channel.WEB)
            if spec.cancelled:
                clock.shift(timedelta(minutes=1))
                incident = cancel(
                    incident=incident, by=commander, via=Channel.WEB, reason="a false alarm"
                )
            if spec.resolved_after is not None:
                clock.move_to(spec.reported_at + timedelta(minutes=spec.resolved_after))
                incident = resolve(
                    incident=incident, by=responder, via=Channel.WEB, resolution="Fixed."
                )
        return incident

    return make


@pytest.fixture
def fixture_incidents(happened) -> dict[str, Incident]:
    """Every incident of the table above, by its letter."""
    return {spec.name: happened(spec) for spec in FIXTURE}
