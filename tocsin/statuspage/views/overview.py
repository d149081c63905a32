"""The overview: a page's components by group, its open incidents, drafts, what is scheduled,
and how many people listen."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tocsin.accounts.permissions import (
    may_add_components,
    may_edit_component,
    may_manage_status_pages,
    may_post_public_update,
)

from .. import selectors
from ..models import ComponentStatus, IncidentStatus, MaintenanceStatus, Page
from .shared import page_of


def grouped(page: Page, user) -> list[dict]:
    """[{group, components}] in page order, ungrouped components first; each component knows
    whether `user` may edit it."""
    rows = []
    by_group = {}
    for component in selectors.components_of(page):
        component.may_edit = may_edit_component(user, component)
        key = component.group_id
        if key not in by_group:
            by_group[key] = {"group": component.group, "components": []}
            rows.append(by_group[key])
        by_group[key]["components"].append(component)
    for group in page.groups.order_by("position", "name"):
        if group.pk not in by_group:
            by_group[group.pk] = {"group": group, "components": []}
            rows.append(by_group[group.pk])
    rows.sort(key=lambda row: (row["group"] is not None, row["group"] and row["group"].position))
    return rows


def with_permissions(public_incidents, user) -> list:
    rows = list(public_incidents)
    for public_incident in rows:
        public_incident.may_update = may_post_public_update(user, public_incident)
    return rows


@login_required
@require_GET
def overview(request):
    page = page_of(request)
    user = request.user
    now = timezone.now()
    incidents = selectors.public_incidents(page, user).select_related("incident")
    upcoming = [
        m
        for m in selectors.maintenances(page).filter(cancelled_at__isnull=True)
        if m.status_at(now) != MaintenanceStatus.COMPLETED
    ]
    return render(
        request,
        "statuspage/manage/overview.html",
        {
            "page": page,
            "pages": Page.objects.all(),
            "groups": grouped(page, user),
            "open_incidents": with_permissions(
                incidents.filter(published_at__isnull=False).exclude(
                    status=IncidentStatus.RESOLVED
                ),
                user,
            ),
            "drafts": with_permissions(incidents.filter(published_at__isnull=True), user),
            "maintenances": sorted(upcoming, key=lambda m: m.scheduled_for),
            "subscriber_count": page.subscribers.filter(confirmed_at__isnull=False).count(),
            "unconfirmed_count": page.subscribers.filter(confirmed_at__isnull=True).count(),
            "statuses": ComponentStatus.choices,
            "may_manage": may_manage_status_pages(user),
            "may_add_components": may_add_components(user),
        },
    )
