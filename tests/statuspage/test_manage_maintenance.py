"""Maintenance on the web: scheduled in the viewer's own time zone on components, which makes
the alerting windows of their services; updated, completed early, cancelled."""

from datetime import timedelta

from tests.support.clock import BERLIN, local
from tocsin.alerting.models import MaintenanceWindow
from tocsin.statuspage import services
from tocsin.statuspage.models import Maintenance


def _schedule(client, component, **more):
    return client.post(
        "/statuspage/maintenances/new/",
        {
            "name": "Card processor upgrade",
            "scheduled_for": "2026-03-08T02:00",
            "scheduled_until": "2026-03-08T03:00",
            "components": [component.pk],
            "body": "Card payments may be declined for a few minutes.",
            "remind_before": "24h",
            **more,
        },
    )


def test_a_lead_schedules_maintenance_in_their_time_zone(
    signed_in, lead, card_component, card_processing, clock, told, rerendered
):
    lead.time_zone = "Europe/Berlin"
    lead.save()
    response = _schedule(signed_in(lead), card_component)
    maintenance = Maintenance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/statuspage/maintenances/{maintenance.code}/"
    # Sunday 02:00–03:00 in Berlin is 01:00–02:00 UTC.
    assert maintenance.scheduled_for == local(BERLIN, 2026, 3, 8, 2, 0)
    assert maintenance.scheduled_until == local(BERLIN, 2026, 3, 8, 3, 0)
    assert maintenance.remind_before == timedelta(hours=24)
    window = MaintenanceWindow.objects.get()
    assert window.service == card_processing
    assert (window.starts_at, window.ends_at) == (
        maintenance.scheduled_for,
        maintenance.scheduled_until,
    )
    page = signed_in(lead).get(f"/statuspage/maintenances/{maintenance.code}/").content.decode()
    assert "Scheduled" in page and "Card processing" in page
    assert "8 Mar, 02:00 CET" in page


def test_bad_maintenance_is_a_form_error_and_schedules_nothing(
    signed_in, admin, card_component, clock, told
):
    client = signed_in(admin)
    for data, error in [
        ({"scheduled_until": "2026-03-08T01:00"}, "must end after it starts"),
        (
            {"scheduled_for": "2026-03-01T02:00", "scheduled_until": "2026-03-01T03:00"},
            "already be over",
        ),
        ({"scheduled_for": "tomorrow"}, "Enter a valid date/time"),
        ({"components": []}, "This field is required"),
        ({"name": ""}, "This field is required"),
        ({"remind_before": "30d"}, "between a minute and 14 days"),
    ]:
        response = _schedule(client, card_component, **data)
        assert response.status_code == 422, data
        assert error in response.content.decode(), data
    assert not Maintenance.objects.exists()
    assert not MaintenanceWindow.objects.exists()
    assert told.maintenance == []


def test_a_lead_may_not_schedule_maintenance_on_another_teams_component(
    signed_in, lead, api_component, clock
):
    response = _schedule(signed_in(lead), api_component)
    assert response.status_code == 403
    assert not Maintenance.objects.exists() and not MaintenanceWindow.objects.exists()


def _scheduled(admin, card_component):
    return services.schedule(
        page=card_component.page,
        by=admin,
        name="Card processor upgrade",
        scheduled_for=local(BERLIN, 2026, 3, 8, 2, 0),
        scheduled_until=local(BERLIN, 2026, 3, 8, 3, 0),
        components=[card_component],
    )


def test_an_update_is_posted_and_an_empty_one_is_refused(
    signed_in, admin, card_component, clock, told
):
    maintenance = _scheduled(admin, card_component)
    client = signed_in(admin)
    url = f"/statuspage/maintenances/{maintenance.code}/update/"
    response = client.post(url, {"body": "We start on time."})
    assert response.status_code == 302
    assert maintenance.updates.filter(body="We start on time.").exists()
    response = client.post(url, {"body": ""})
    assert response.status_code == 422
    response = client.post(url, {"body": "Verified.", "verifying": "yes"})
    assert response.status_code == 422
    assert "only a maintenance in progress can be verified" in response.content.decode()
    assert maintenance.updates.count() == 1


def test_a_scheduled_maintenance_is_cancelled_and_its_windows_go(
    signed_in, admin, card_component, clock, told
):
    maintenance = _scheduled(admin, card_component)
    client = signed_in(admin)
    # Not begun: it cannot be completed.
    response = client.post(f"/statuspage/maintenances/{maintenance.code}/complete/", follow=True)
    assert "cancel it instead" in response.content.decode()
    maintenance.refresh_from_db()
    assert maintenance.completed_at is None
    response = client.post(
        f"/statuspage/maintenances/{maintenance.code}/cancel/", {"body": "Postponed."}
    )
    assert response.status_code == 302
    maintenance.refresh_from_db()
    assert maintenance.cancelled_at is not None
    assert not MaintenanceWindow.objects.exists()
    assert maintenance.updates.filter(body="Postponed.").exists()


def test_a_running_maintenance_is_completed_early(signed_in, admin, card_component, clock, told):
    maintenance = _scheduled(admin, card_component)
    clock.move_to(local(BERLIN, 2026, 3, 8, 2, 10))
    services.advance()
    card_component.refresh_from_db()
    assert card_component.status == "under_maintenance"
    response = signed_in(admin).post(f"/statuspage/maintenances/{maintenance.code}/complete/")
    assert response.status_code == 302
    maintenance.refresh_from_db()
    card_component.refresh_from_db()
    assert maintenance.completed_at is not None
    assert card_component.status == "operational"
    assert MaintenanceWindow.objects.get().ends_at == local(BERLIN, 2026, 3, 8, 2, 10)
