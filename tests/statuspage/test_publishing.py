"""Publishing an incident to the status page, updating and resolving it, drafts, impact."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import declare
from tocsin.statuspage import services
from tocsin.statuspage.models import (
    ComponentStatus,
    ComponentStatusChange,
    Impact,
    IncidentStatus,
    PublicIncident,
)

PARTIAL = ComponentStatus.PARTIAL_OUTAGE
MAJOR = ComponentStatus.MAJOR_OUTAGE
OPERATIONAL = ComponentStatus.OPERATIONAL


@pytest.fixture
def publish_inc_12(page, lead, incident, checkout_component, told, rerendered):
    def go(**more):
        arguments = {
            "page": page,
            "by": lead,
            "name": "Checkout returns errors",
            "status": IncidentStatus.INVESTIGATING,
            "body": "Some customers cannot pay.",
            "component_statuses": {checkout_component: PARTIAL},
            "incident": incident,
            **more,
        }
        return services.publish(**arguments)

    return go


def test_publishing_from_an_incident_sets_components_tells_the_timeline_and_subscribers(
    publish_inc_12, incident, checkout_component, told, rerendered, lead
):
    public = publish_inc_12()
    assert public.incident == incident and public.published_at is not None
    assert public.status == IncidentStatus.INVESTIGATING
    checkout_component.refresh_from_db()
    assert checkout_component.status == PARTIAL
    change = ComponentStatusChange.objects.filter(component=checkout_component).latest("id")
    assert change.status == PARTIAL and change.incident == public and change.by == lead
    [update] = public.updates.all()
    assert update.affected_components == [
        {
            "code": checkout_component.code,
            "name": "Checkout",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    event = incident.timeline.get(kind=Event.PUBLIC_UPDATE)
    assert (
        event.message == "Published to the status page: Investigating – Some customers cannot pay."
    )
    assert event.actor == lead
    assert told.updates == [update]
    assert rerendered == ["public"]


def test_publishing_the_same_incident_twice_is_a_conflict_naming_the_public_incident(
    publish_inc_12, told
):
    public = publish_inc_12()
    with pytest.raises(
        Conflict, match=f"INC-.* is already published on Status as public incident {public.code}"
    ):
        publish_inc_12(body="Again")
    assert PublicIncident.objects.count() == 1
    assert len(told.updates) == 1


def test_an_update_changes_the_status_and_components_and_tells_the_timeline(
    publish_inc_12, incident, checkout_component, card_component, lead, told
):
    public = publish_inc_12()
    update = services.post_update(
        public_incident=public,
        by=lead,
        status=IncidentStatus.IDENTIFIED,
        body="A bad deploy of the **payment** gateway.",
        component_statuses={checkout_component: MAJOR, card_component: PARTIAL},
    )
    public.refresh_from_db()
    assert public.status == IncidentStatus.IDENTIFIED
    assert set(public.components.all()) == {checkout_component, card_component}
    assert [(c["name"], c["old_status"], c["new_status"]) for c in update.affected_components] == [
        ("Checkout", "partial_outage", "major_outage"),
        ("Card processing", "operational", "partial_outage"),
    ]
    assert services.impact(public) == Impact.CRITICAL
    assert incident.timeline.filter(kind=Event.PUBLIC_UPDATE).last().message == (
        "Update on the status page: Identified – A bad deploy of the **payment** gateway."
    )
    assert told.updates[-1] == update


def test_resolving_sets_components_back_to_operational_with_the_last_update(
    publish_inc_12, incident, checkout_component, lead, told
):
    public = publish_inc_12()
    update = services.resolve_public_incident(
        public_incident=public, by=lead, body="Fixed: the deploy was rolled back."
    )
    public.refresh_from_db()
    checkout_component.refresh_from_db()
    assert public.status == IncidentStatus.RESOLVED and public.resolved_at is not None
    assert checkout_component.status == OPERATIONAL
    assert update.status == IncidentStatus.RESOLVED
    assert update.affected_components[0]["new_status"] == "operational"
    assert public.updates.first() == update  # the last update, newest first
    assert told.updates[-1] == update
    assert services.impact(public) == Impact.MAJOR  # what it was, not what is now
    assert "Resolved on the status page (Checkout operational)" in (
        incident.timeline.filter(kind=Event.PUBLIC_UPDATE).last().message
    )
    with pytest.raises(Conflict, match="already resolved"):
        services.resolve_public_incident(public_incident=public, by=lead, body="Again")


def test_resolving_without_restoring_leaves_the_components(
    publish_inc_12, checkout_component, lead
):
    public = publish_inc_12()
    services.resolve_public_incident(
        public_incident=public, by=lead, body="Resolved.", restore_components=False
    )
    checkout_component.refresh_from_db()
    assert checkout_component.status == PARTIAL


def test_a_component_another_unresolved_incident_holds_keeps_that_ones_status(
    publish_inc_12, page, checkout_component, lead, admin, payments, p1, checkout
):
    first = publish_inc_12()
    second_incident = declare(
        title="Payments API slow", severity=p1, team=payments, by=lead, via=Channel.WEB
    )
    second = services.publish(
        page=page,
        by=lead,
        name="Slow payments",
        status=IncidentStatus.INVESTIGATING,
        body="Slow.",
        component_statuses={checkout_component: ComponentStatus.DEGRADED_PERFORMANCE},
        incident=second_incident,
    )
    services.resolve_public_incident(public_incident=second, by=lead, body="Fixed.")
    checkout_component.refresh_from_db()
    # The first incident set it to partial outage and is still open.
    assert checkout_component.status == PARTIAL
    services.resolve_public_incident(public_incident=first, by=lead, body="Fixed.")
    checkout_component.refresh_from_db()
    assert checkout_component.status == OPERATIONAL


def test_a_draft_changes_no_component_tells_nobody_until_it_is_published(
    publish_inc_12, checkout_component, incident, lead, told, rerendered
):
    draft = publish_inc_12(draft=True)
    assert draft.published_at is None
    checkout_component.refresh_from_db()
    assert checkout_component.status == OPERATIONAL
    assert told.updates == [] and rerendered == []
    assert incident.timeline.get(kind=Event.PUBLIC_UPDATE).message.startswith(
        "Drafted for the status page: Investigating"
    )
    services.publish_draft(public_incident=draft, by=lead)
    draft.refresh_from_db()
    checkout_component.refresh_from_db()
    assert draft.published_at is not None
    assert checkout_component.status == PARTIAL
    assert len(told.updates) == 1 and rerendered == ["public"]
    with pytest.raises(Conflict, match="already published"):
        services.publish_draft(public_incident=draft, by=lead)


def test_an_update_may_be_backdated_but_not_dated_in_the_future(publish_inc_12, lead):
    earlier = timezone.now() - timedelta(hours=2)
    public = publish_inc_12(display_at=earlier)
    assert public.updates.get().display_at == earlier
    assert public.started_at == earlier
    with pytest.raises(ValidationFailed, match="in the future") as refused:
        services.post_update(
            public_incident=public,
            by=lead,
            status=IncidentStatus.MONITORING,
            body="Later",
            display_at=timezone.now() + timedelta(hours=1),
        )
    assert refused.value.field == "display_at"
    assert public.updates.count() == 1


def test_impact_follows_the_worst_component_unless_overridden(
    publish_inc_12, checkout_component, lead
):
    public = publish_inc_12()
    assert services.impact(public) == Impact.MAJOR
    services.update_public_incident(public_incident=public, by=lead, impact_override="minor")
    public.refresh_from_db()
    assert services.impact(public) == Impact.MINOR
    services.update_public_incident(public_incident=public, by=lead, impact_override="")
    public.refresh_from_db()
    assert services.impact(public) == Impact.MAJOR


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"body": ""}, "body"),
        ({"status": "fixed"}, "status"),
        ({"impact_override": "huge"}, "impact_override"),
        ({"display_at": timezone.now().replace(tzinfo=None)}, "display_at"),
    ],
)
def test_bad_input_names_the_field_and_publishes_nothing(publish_inc_12, change, field, told):
    with pytest.raises(ValidationFailed) as refused:
        publish_inc_12(**change)
    assert refused.value.field == field
    assert not PublicIncident.objects.exists() and told.updates == []


def test_under_maintenance_is_not_an_incidents_status(publish_inc_12, checkout_component):
    with pytest.raises(ValidationFailed, match="unknown component status") as refused:
        publish_inc_12(component_statuses={checkout_component: "under_maintenance"})
    assert refused.value.field == "component_statuses"


def test_outsiders_and_viewers_may_not_publish(publish_inc_12, outsider, viewer, incident):
    for person in (outsider, viewer):
        with pytest.raises(PermissionDenied):
            publish_inc_12(by=person)
    assert not PublicIncident.objects.exists()
    assert not incident.timeline.filter(kind=Event.PUBLIC_UPDATE).exists()


def test_a_standalone_incident_is_for_admins_and_leads_of_the_components_services(
    page, checkout_component, lead, member, told
):
    with pytest.raises(PermissionDenied, match="only an admin, or a lead"):
        services.publish(
            page=page,
            by=member,
            name="Slow checkout",
            status="investigating",
            body="Looking",
            component_statuses={checkout_component: "degraded_performance"},
        )
    public = services.publish(
        page=page,
        by=lead,
        name="Slow checkout",
        status="investigating",
        body="Looking",
        component_statuses={checkout_component: "degraded_performance"},
    )
    assert public.incident is None
    with pytest.raises(PermissionDenied):
        services.post_update(public_incident=public, by=member, status="monitoring", body="x")


def test_deleting_a_public_incident_says_so_on_the_incident(publish_inc_12, incident, lead):
    public = publish_inc_12()
    services.delete_public_incident(public_incident=public, by=lead)
    assert not PublicIncident.objects.exists()
    assert incident.timeline.filter(kind=Event.PUBLIC_UPDATE).last().message == (
        "Removed from the status page: Checkout returns errors"
    )
