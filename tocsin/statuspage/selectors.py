"""Reads of the status page that several callers share (the incident page, the API, the
automation). They never write."""

from django.db.models import QuerySet

from tocsin.accounts.permissions import may_see_status_drafts

from .models import (
    Component,
    IncidentStatus,
    Maintenance,
    Page,
    ProposedStatus,
    PublicIncident,
)


def default_page() -> Page | None:
    return Page.objects.filter(is_default=True).first()


def proposal_for(incident) -> list[tuple[Component, str]]:
    """The components showing one of the incident's services, each with the status its
    severity proposes (P1 → major outage …); empty when the severity proposes none."""
    proposed = ProposedStatus.objects.filter(severity_id=incident.severity_id).first()
    if proposed is None:
        return []
    components = (
        Component.objects.filter(services__in=incident.services.all())
        .select_related("page", "group")
        .distinct()
        .order_by("page__name", "group__position", "position", "name")
    )
    return [(component, proposed.status) for component in components]


def public_incidents_of(incident) -> QuerySet[PublicIncident]:
    """What an internal incident was published as, one per page."""
    return PublicIncident.objects.filter(incident=incident).select_related("page")


def public_incidents(page: Page, user=None) -> QuerySet[PublicIncident]:
    """A page's public incidents, newest first; drafts only for who may see them."""
    incidents = PublicIncident.objects.filter(page=page).prefetch_related("components", "updates")
    if not may_see_status_drafts(user):
        incidents = incidents.filter(published_at__isnull=False)
    return incidents


def unresolved_public_incidents(page: Page) -> QuerySet[PublicIncident]:
    return PublicIncident.objects.filter(page=page, published_at__isnull=False).exclude(
        status=IncidentStatus.RESOLVED
    )


def components_of(page: Page) -> QuerySet[Component]:
    return (
        Component.objects.filter(page=page)
        .select_related("group")
        .prefetch_related("services")
        .order_by("group__position", "group__name", "position", "name")
    )


def maintenances(page: Page) -> QuerySet[Maintenance]:
    return Maintenance.objects.filter(page=page).prefetch_related("components", "updates")
