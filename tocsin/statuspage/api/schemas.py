"""What the status page endpoints answer with."""

from datetime import date, datetime

from django.conf import settings
from ninja import Field, Schema

from tocsin.schemas import ServiceRef, UserOut

from ..markdown import render
from ..models import Component, Maintenance, PublicIncident
from ..services import impact


def public_url(page, path: str) -> str:
    """Where the public reads it: /status/… for the default page, /status/pages/<slug>/… else."""
    base = "/status" if page.is_default else f"/status/pages/{page.slug}"
    return f"{settings.BASE_URL}{base}/{path}"


class GroupRef(Schema):
    code: str
    name: str


class GroupOut(Schema):
    code: str
    page: str = Field(description="The page's slug.")
    name: str
    description: str
    position: int
    components: list[str] = Field(description="Codes of its components, in order.")
    updated_at: datetime

    @staticmethod
    def resolve_page(group) -> str:
        return group.page.slug

    @staticmethod
    def resolve_components(group) -> list[str]:
        return [c.code for c in group.components.order_by("position", "name")]


class ComponentOut(Schema):
    code: str
    page: str = Field(description="The page's slug.")
    name: str
    description: str
    group: GroupRef | None
    position: int
    status: str = Field(
        description="operational, degraded_performance, partial_outage, major_outage or "
        "under_maintenance."
    )
    visible: bool
    showcase: bool
    only_show_if_degraded: bool
    start_date: date | None
    services: list[ServiceRef]
    automatic: bool = Field(
        description="Publishes the proposed status by itself for incidents opened by an alert."
    )
    automatic_message: str
    updated_at: datetime

    @staticmethod
    def resolve_page(component: Component) -> str:
        return component.page.slug


class ComponentRef(Schema):
    code: str
    name: str
    status: str


class AffectedComponent(Schema):
    code: str
    name: str
    old_status: str
    new_status: str


class UpdateOut(Schema):
    code: str
    status: str
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The body rendered and sanitised.")
    affected_components: list[AffectedComponent]
    display_at: datetime
    created_at: datetime
    notify_subscribers: bool
    author: UserOut | None

    @staticmethod
    def resolve_body_html(update) -> str:
        return render(update.body)


class PublicIncidentOut(Schema):
    code: str
    page: str
    name: str
    status: str = Field(description="investigating, identified, monitoring or resolved.")
    impact: str = Field(description="none, minor, major or critical: the override, or derived.")
    impact_override: str
    incident: str | None = Field(description="The internal incident's reference, e.g. INC-12.")
    draft: bool = Field(description="Not on the public page, nobody told, until published.")
    components: list[ComponentRef]
    started_at: datetime
    published_at: datetime | None
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime
    url: str = Field(description="Its permalink on the public page.")
    updates: list[UpdateOut] = Field(description="Newest first.")

    @staticmethod
    def resolve_page(public: PublicIncident) -> str:
        return public.page.slug

    @staticmethod
    def resolve_impact(public: PublicIncident) -> str:
        return impact(public)

    @staticmethod
    def resolve_incident(public: PublicIncident) -> str | None:
        return public.incident.reference if public.incident_id else None

    @staticmethod
    def resolve_draft(public: PublicIncident) -> bool:
        return public.published_at is None

    @staticmethod
    def resolve_components(public: PublicIncident) -> list:
        return list(public.components.all())

    @staticmethod
    def resolve_url(public: PublicIncident) -> str:
        return public_url(public.page, f"incidents/{public.code}")

    @staticmethod
    def resolve_updates(public: PublicIncident) -> list:
        return list(public.updates.select_related("author"))


class MaintenanceUpdateOut(Schema):
    code: str
    status: str
    body: str
    body_html: str
    display_at: datetime
    author: UserOut | None

    @staticmethod
    def resolve_body_html(update) -> str:
        return render(update.body)


class WindowRef(Schema):
    id: int = Field(description="The alerting maintenance window (GET /maintenance).")
    service: ServiceRef
    starts_at: datetime
    ends_at: datetime


class PublicMaintenanceOut(Schema):
    code: str
    page: str
    name: str
    status: str = Field(description="scheduled, in_progress, verifying or completed, by the clock.")
    scheduled_for: datetime
    scheduled_until: datetime
    remind_before_minutes: int | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    components: list[ComponentRef]
    windows: list[WindowRef] = Field(
        description="The alerting windows that suppress alerts about the linked services."
    )
    url: str
    updates: list[MaintenanceUpdateOut] = Field(description="Newest first.")

    @staticmethod
    def resolve_page(maintenance: Maintenance) -> str:
        return maintenance.page.slug

    @staticmethod
    def resolve_remind_before_minutes(maintenance: Maintenance) -> int | None:
        if maintenance.remind_before is None:
            return None
        return int(maintenance.remind_before.total_seconds() // 60)

    @staticmethod
    def resolve_components(maintenance: Maintenance) -> list:
        return list(maintenance.components.all())

    @staticmethod
    def resolve_windows(maintenance: Maintenance) -> list:
        return list(maintenance.windows.select_related("service"))

    @staticmethod
    def resolve_url(maintenance: Maintenance) -> str:
        return public_url(maintenance.page, f"maintenances/{maintenance.code}")

    @staticmethod
    def resolve_updates(maintenance: Maintenance) -> list:
        return list(maintenance.updates.select_related("author"))
