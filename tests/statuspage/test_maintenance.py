"""Scheduled maintenance: the alerting windows it makes, its status from the clock, reminders,
starts and ends told to subscribers, components under maintenance and back."""

from datetime import timedelta

import pytest
import time_machine

from tests.support.clock import utc
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Integration, Kind, MaintenanceWindow
from tocsin.alerting.sources import Action, ParsedAlert
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Incident
from tocsin.statuspage import services
from tocsin.statuspage.models import ComponentStatus, MaintenanceStatus
from tocsin.statuspage.tasks import PERIODIC, advance_maintenance

SATURDAY = utc(2026, 3, 7, 12, 0)
SUNDAY_2 = utc(2026, 3, 8, 2, 0)
SUNDAY_3 = utc(2026, 3, 8, 3, 0)


@pytest.fixture
def saturday():
    with time_machine.travel(SATURDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sunday_night(saturday, page, admin, card_component, told):
    """Card processing, Sunday 02:00–03:00 UTC, reminded an hour before."""
    return services.schedule(
        page=page,
        by=admin,
        name="Card processor upgrade",
        scheduled_for=SUNDAY_2,
        scheduled_until=SUNDAY_3,
        components=[card_component],
        body="We upgrade the card processor.",
        remind_before=timedelta(hours=1),
    )


def firing(fingerprint):
    return ParsedAlert(
        fingerprint=fingerprint,
        action=Action.TRIGGER,
        summary=f"CardErrors on {fingerprint}",
        severity="critical",
        labels={"alertname": "CardErrors", "severity": "critical"},
    )


def test_scheduling_makes_one_alerting_window_per_linked_service(
    sunday_night, card_processing, told
):
    [window] = sunday_night.windows.all()
    assert window.service == card_processing
    assert (window.starts_at, window.ends_at) == (SUNDAY_2, SUNDAY_3)
    assert window.reason == "Card processor upgrade"
    assert sunday_night.status == MaintenanceStatus.SCHEDULED
    assert told.maintenance == [
        ("Card processor upgrade", "scheduled", "We upgrade the card processor.")
    ]


def test_it_reminds_starts_and_completes_by_itself(sunday_night, saturday, card_component, told):
    assert services.advance(SUNDAY_2 - timedelta(hours=2)) == 0
    saturday.move_to(SUNDAY_2 - timedelta(minutes=59))
    assert advance_maintenance() == 1
    assert told.maintenance[-1] == ("Card processor upgrade", "reminder", None)
    assert advance_maintenance() == 0  # reminded once

    saturday.move_to(SUNDAY_2 + timedelta(seconds=10))
    assert advance_maintenance() == 1
    sunday_night.refresh_from_db()
    card_component.refresh_from_db()
    assert sunday_night.status == MaintenanceStatus.IN_PROGRESS
    assert card_component.status == ComponentStatus.UNDER_MAINTENANCE
    assert told.maintenance[-1][1] == "started"

    saturday.move_to(SUNDAY_3)
    assert advance_maintenance() == 1
    sunday_night.refresh_from_db()
    card_component.refresh_from_db()
    assert sunday_night.status == MaintenanceStatus.COMPLETED
    assert card_component.status == ComponentStatus.OPERATIONAL
    assert told.maintenance[-1][1] == "completed"
    assert [u.status for u in sunday_night.updates.order_by("display_at", "id")] == [
        "scheduled",
        "in_progress",
        "completed",
    ]
    assert advance_maintenance() == 0


def test_a_component_goes_back_to_the_status_it_had(sunday_night, saturday, card_component, admin):
    services.set_component_status(
        component=card_component, status=ComponentStatus.DEGRADED_PERFORMANCE, by=admin
    )
    saturday.move_to(SUNDAY_2)
    services.advance()
    saturday.move_to(SUNDAY_3)
    services.advance()
    card_component.refresh_from_db()
    assert card_component.status == ComponentStatus.DEGRADED_PERFORMANCE


def test_an_alert_for_a_linked_service_is_suppressed_during_the_window_and_not_after(
    sunday_night, saturday, payments, card_processing, severities
):
    prometheus = Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=card_processing
    )
    saturday.move_to(SUNDAY_2 + timedelta(minutes=30))
    [during] = ingest(integration=prometheus, alerts=[firing("fp-1")])
    assert during.incident is None and not Incident.objects.exists()
    assert during.alert.suppressed_by == sunday_night.windows.get()
    assert "Card processing is in maintenance (Card processor upgrade)" in during.decisions[-1]

    saturday.move_to(SUNDAY_3 + timedelta(minutes=1))
    [after] = ingest(integration=prometheus, alerts=[firing("fp-2")])
    assert after.incident is not None


def test_completing_early_ends_the_windows_and_brings_the_components_back(
    sunday_night, saturday, card_component, admin, payments, card_processing, severities, told
):
    saturday.move_to(SUNDAY_2 + timedelta(minutes=10))
    services.advance()
    saturday.move_to(SUNDAY_2 + timedelta(minutes=20))
    services.complete_early(maintenance=sunday_night, by=admin, body="Done early.")
    sunday_night.refresh_from_db()
    card_component.refresh_from_db()
    assert sunday_night.status == MaintenanceStatus.COMPLETED
    assert card_component.status == ComponentStatus.OPERATIONAL
    assert sunday_night.windows.get().ends_at == SUNDAY_2 + timedelta(minutes=20)
    assert told.maintenance[-1] == ("Card processor upgrade", "completed", "Done early.")
    prometheus = Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=card_processing
    )
    saturday.move_to(SUNDAY_2 + timedelta(minutes=30))
    [after] = ingest(integration=prometheus, alerts=[firing("fp-1")])
    assert after.incident is not None
    assert services.advance() == 0
    with pytest.raises(Conflict, match="already completed"):
        services.complete_early(maintenance=sunday_night, by=admin)


def test_cancelling_removes_the_windows_and_tells_subscribers(sunday_night, admin, told):
    services.cancel_maintenance(maintenance=sunday_night, by=admin)
    sunday_night.refresh_from_db()
    assert not MaintenanceWindow.objects.exists()
    assert sunday_night.cancelled_at is not None
    assert sunday_night.status_at(SUNDAY_2 + timedelta(minutes=5)) == MaintenanceStatus.COMPLETED
    assert told.maintenance[-1] == (
        "Card processor upgrade",
        "updated",
        "This scheduled maintenance has been cancelled.",
    )
    assert services.advance(SUNDAY_2 + timedelta(minutes=5)) == 0


def test_moving_a_maintenance_moves_its_windows(sunday_night, admin, told):
    later = SUNDAY_2 + timedelta(hours=2)
    services.update_maintenance(
        maintenance=sunday_night,
        by=admin,
        scheduled_for=later,
        scheduled_until=later + timedelta(hours=1),
        body="Moved two hours later.",
    )
    window = sunday_night.windows.get()
    assert (window.starts_at, window.ends_at) == (later, later + timedelta(hours=1))
    assert told.maintenance[-1] == ("Card processor upgrade", "updated", "Moved two hours later.")


def test_changing_its_components_changes_its_windows(
    sunday_night, admin, checkout_component, checkout, card_component
):
    services.update_maintenance(maintenance=sunday_night, by=admin, components=[checkout_component])
    assert [w.service for w in MaintenanceWindow.objects.all()] == [checkout]


def test_verifying_is_a_status_a_person_sets(sunday_night, saturday, admin):
    saturday.move_to(SUNDAY_2 + timedelta(minutes=10))
    services.advance()
    services.post_maintenance_update(
        maintenance=sunday_night, by=admin, body="Checking.", verifying=True
    )
    sunday_night.refresh_from_db()
    assert sunday_night.status == MaintenanceStatus.VERIFYING


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"scheduled_until": SUNDAY_2}, "scheduled_until"),
        ({"scheduled_for": SUNDAY_2.replace(tzinfo=None)}, "scheduled_for"),
        ({"components": []}, "components"),
        ({"remind_before": timedelta(0)}, "remind_before"),
        (
            {
                "scheduled_for": SATURDAY - timedelta(days=2),
                "scheduled_until": SATURDAY - timedelta(days=1),
            },
            "scheduled_until",
        ),
    ],
)
def test_bad_input_names_the_field_and_schedules_nothing(
    saturday, page, admin, card_component, told, change, field
):
    arguments = {
        "page": page,
        "by": admin,
        "name": "Upgrade",
        "scheduled_for": SUNDAY_2,
        "scheduled_until": SUNDAY_3,
        "components": [card_component],
        **change,
    }
    with pytest.raises(ValidationFailed) as refused:
        services.schedule(**arguments)
    assert refused.value.field == field
    assert not MaintenanceWindow.objects.exists() and told.maintenance == []


def test_who_may_not_edit_the_components_may_not_schedule(
    saturday, page, member, viewer, card_component
):
    for person in (member, viewer):
        with pytest.raises(PermissionDenied):
            services.schedule(
                page=page,
                by=person,
                name="Upgrade",
                scheduled_for=SUNDAY_2,
                scheduled_until=SUNDAY_3,
                components=[card_component],
            )
    assert not MaintenanceWindow.objects.exists()


def test_every_worker_runs_the_maintenance_clock():
    assert any(job.run is advance_maintenance for job in PERIODIC)


def test_an_incident_and_a_maintenance_hand_a_component_to_each_other(
    sunday_night, saturday, page, card_component, admin
):
    saturday.move_to(SUNDAY_2 + timedelta(minutes=5))
    services.advance()
    public = services.publish(
        page=page,
        by=admin,
        name="Card payments fail",
        status="investigating",
        body="Looking.",
        component_statuses={card_component: ComponentStatus.MAJOR_OUTAGE},
    )
    services.resolve_public_incident(public_incident=public, by=admin, body="Fixed.")
    card_component.refresh_from_db()
    assert card_component.status == ComponentStatus.UNDER_MAINTENANCE  # the maintenance holds it

    services.set_component_status(
        component=card_component, status=ComponentStatus.UNDER_MAINTENANCE, by=admin
    )
    again = services.publish(
        page=page,
        by=admin,
        name="Card payments fail again",
        status="investigating",
        body="Looking.",
        component_statuses={card_component: ComponentStatus.PARTIAL_OUTAGE},
    )
    saturday.move_to(SUNDAY_3)
    services.advance()
    card_component.refresh_from_db()
    assert card_component.status == ComponentStatus.PARTIAL_OUTAGE  # not ours to release
    services.resolve_public_incident(public_incident=again, by=admin, body="Fixed.")
    card_component.refresh_from_db()
    assert card_component.status == ComponentStatus.OPERATIONAL
