"""Who hears about what: per-component choice, maintenance, drafts; what the e-mails may carry
(never a script); the admins' export and removal; 10,000 subscribers in a few bulk inserts."""

import csv
import io
import math
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.support.mailbox import html_of, text_of
from tests.support.outbox import deliver
from tocsin.errors import PermissionDenied
from tocsin.notify.outbox.models import OutboxMessage, Purpose
from tocsin.statuspage.models import ComponentStatus, Maintenance, MaintenanceUpdate, Subscriber
from tocsin.statuspage.subscribers import notify, services

from . import subscribers_fixtures as shared
from .subscribers_fixtures import publish, subscribed, tell

pytestmark = pytest.mark.django_db

# The shared fixtures, used by name.
_base_url = shared._base_url
status_page = shared.status_page
components = shared.components


def told() -> set[str]:
    """The addresses an update or notice was queued for."""
    return set(
        OutboxMessage.objects.filter(purpose=Purpose.STATUS_UPDATE).values_list(
            "address", flat=True
        )
    )


@pytest.fixture
def people(status_page, components):
    """Cara chose Checkout, Ines chose API, Alex chose nothing (everything), Una is unconfirmed."""
    return {
        "cara": subscribed(status_page, "cara@example.com", [components["Checkout"]]),
        "ines": subscribed(status_page, "ines@example.com", [components["API"]]),
        "alex": subscribed(status_page, "alex@example.com"),
        "una": subscribed(status_page, "una@example.com", confirmed=False),
    }


def test_an_update_goes_to_those_who_chose_one_of_its_components_or_none(
    status_page, components, people
):
    update = publish(status_page, "Checkout returns 502", components=[components["Checkout"]])

    assert tell(update) == 2

    assert told() == {"cara@example.com", "alex@example.com"}


def test_a_component_the_update_changed_counts_as_touched(status_page, components, people):
    update = publish(status_page, "Checkout returns 502", components=[components["Checkout"]])
    update.affected_components.append(
        {
            "code": components["API"].code,
            "name": "API",
            "old_status": "operational",
            "new_status": "degraded_performance",
        }
    )
    update.save()
    tell(update)
    assert told() == {"cara@example.com", "ines@example.com", "alex@example.com"}


def test_an_incident_without_components_goes_only_to_those_who_chose_everything(
    status_page, people
):
    tell(publish(status_page, "Some customers see errors"))
    assert told() == {"alex@example.com"}


def test_drafts_and_quiet_updates_tell_nobody(status_page, components, people):
    assert tell(publish(status_page, "Draft", components=[components["API"]], draft=True)) == 0
    quiet = publish(status_page, "Quiet", components=[components["API"]], notify_subscribers=False)
    assert tell(quiet) == 0
    assert not OutboxMessage.objects.exists()


def test_telling_twice_queues_nothing_more(status_page, components, people):
    update = publish(status_page, "Checkout returns 502", components=[components["Checkout"]])
    assert tell(update) == 2
    assert tell(update) == 0
    assert OutboxMessage.objects.count() == 2


def test_components_under_maintenance_get_no_incident_mail_but_their_maintenance_notice(
    status_page, components, people, traveller
):
    checkout = components["Checkout"]
    now = timezone.now()
    maintenance = Maintenance.objects.create(
        page=status_page,
        name="Card processor upgrade",
        scheduled_for=now - timedelta(minutes=5),
        scheduled_until=now + timedelta(hours=1),
    )
    maintenance.components.set([checkout])

    # Only Checkout, which is in maintenance: nobody is told of the incident.
    assert tell(publish(status_page, "Checkout slow", components=[checkout])) == 0
    # Checkout and API: API's subscribers and everyone's hear of it, Checkout's only do not.
    tell(publish(status_page, "Errors", components=[checkout, components["API"]]))
    assert told() == {"ines@example.com", "alex@example.com"}

    OutboxMessage.objects.all().delete()
    with transaction.atomic():
        assert notify.maintenance_announced(maintenance, what="started") == 2
    assert told() == {"cara@example.com", "alex@example.com"}


def test_a_component_marked_under_maintenance_is_in_maintenance_too(
    status_page, components, people
):
    api = components["API"]
    api.status = ComponentStatus.UNDER_MAINTENANCE
    api.save()
    assert tell(publish(status_page, "API errors", components=[api])) == 0


def test_maintenance_notices_say_what_and_when_and_each_is_sent_once(
    smtp, status_page, components, people
):
    checkout = components["Checkout"]
    start = timezone.now() + timedelta(days=2)
    maintenance = Maintenance.objects.create(
        page=status_page,
        name="Card processor upgrade",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
    )
    maintenance.components.set([checkout])
    with transaction.atomic():
        assert notify.maintenance_announced(maintenance, what="scheduled") == 2
        assert notify.maintenance_announced(maintenance, what="scheduled") == 0
    update = MaintenanceUpdate.objects.create(
        maintenance=maintenance, status="scheduled", body="Moved to **03:00**."
    )
    with transaction.atomic():
        assert notify.maintenance_announced(maintenance, what="updated", update=update) == 2
    deliver()
    first, second = smtp.to("cara@example.com")
    assert first["Subject"] == "[Status] Scheduled maintenance: Card processor upgrade"
    assert "Affects Checkout" in text_of(first)
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert second["Subject"] == "[Status] Maintenance update: Card processor upgrade"
    assert "<strong>03:00</strong>" in html_of(second)
    with pytest.raises(ValueError, match="unknown maintenance notice"):
        notify.maintenance_announced(maintenance, what="postponed")


def test_names_and_bodies_cannot_put_markup_in_the_email(smtp, status_page, components):
    checkout = components["Checkout"]
    checkout.name = "<script>alert('component')</script>"
    checkout.save()
    subscribed(status_page, "cara@example.com")
    update = publish(
        status_page,
        '<img src=x onerror="alert(1)">Checkout',
        components=[checkout],
        body="<script>alert('body')</script> [click](javascript:alert(1)) <b>bold</b>",
    )
    tell(update)
    deliver()
    [mail] = smtp.to("cara@example.com")
    html = html_of(mail)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert 'href="javascript:' not in html  # left as the text it was written as
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Checkout" in html
    assert "&lt;script&gt;alert(&#x27;component&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;body&#x27;)&lt;/script&gt;" in html
    # The text body is text: what was written, which no mail client runs.
    assert "<script>alert('body')</script>" in text_of(mail)


def test_ten_thousand_subscribers_are_a_few_bulk_inserts(
    status_page, components, django_assert_max_num_queries
):
    checkout = components["Checkout"]
    Subscriber.objects.bulk_create(
        Subscriber(
            page=status_page, kind="email", email=f"s{n}@example.com", confirmed_at=timezone.now()
        )
        for n in range(10_000)
    )
    chose_api = Subscriber.objects.order_by("pk")[:100]
    Subscriber.components.through.objects.bulk_create(
        Subscriber.components.through(subscriber=s, component=components["API"]) for s in chose_api
    )
    update = publish(status_page, "Checkout returns 502", components=[checkout])
    fields = [f for f in OutboxMessage._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * notify.BATCH)
    batches = math.ceil(9_900 / notify.BATCH)
    # Per batch of 500: one look for keys already queued, and the INSERTs the database takes
    # (SQLite's 999 variables split a batch; PostgreSQL takes it whole); a few reads around it.
    bound = batches * (1 + math.ceil(notify.BATCH / per_insert)) + 12

    with django_assert_max_num_queries(bound), transaction.atomic():
        assert notify.incident_update_published(update) == 9_900

    assert bound < 400  # not one round trip per subscriber
    assert OutboxMessage.objects.filter(purpose=Purpose.STATUS_UPDATE).count() == 9_900


def test_an_admin_exports_the_subscribers_as_csv_and_no_secret(
    status_page, components, people, admin, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ""
    hook, secret = services.subscribe_webhook(
        page=status_page, url="https://hooks.example.net/status", by=admin
    )
    people["cara"].components.add(components["Card processing"])
    exported = services.export_csv(page=status_page, by=admin)

    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["address"] for r in rows] == [
        "cara@example.com",
        "ines@example.com",
        "alex@example.com",
        "una@example.com",
        "https://hooks.example.net/status",
    ]
    assert rows[0]["components"] == "Checkout; Card processing"
    assert rows[2]["components"] == ""
    assert rows[3]["confirmed_at"] == ""
    assert rows[4]["kind"] == "webhook"
    assert secret not in exported


def test_a_formula_typed_as_an_address_is_not_run_by_a_spreadsheet(status_page, admin):
    subscribed(status_page, "=HYPERLINK(1)@example.com")
    exported = services.export_csv(page=status_page, by=admin)
    assert "'=HYPERLINK(1)@example.com" in exported


def test_only_admins_export_or_remove_subscribers(status_page, people, lead, viewer, admin):
    cara = people["cara"]
    with pytest.raises(PermissionDenied, match="only an admin may manage"):
        services.export_csv(page=status_page, by=lead)
    with pytest.raises(PermissionDenied, match="viewer and may not change anything"):
        services.remove_subscriber(subscriber=cara, by=viewer)
    assert Subscriber.objects.filter(pk=cara.pk).exists()

    services.remove_subscriber(subscriber=cara, by=admin)

    assert not Subscriber.objects.filter(pk=cara.pk).exists()
