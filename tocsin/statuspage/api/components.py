"""Component groups and components: list, add, change, remove, order, set a status."""

from datetime import date

from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt, field_validator

from tocsin.incidents.api.shared import services_by_slug
from tocsin.schemas import ERRORS, Input, Patch, refuse_nul

from .. import services
from ..models import ComponentGroup
from ..selectors import components_of
from .schemas import ComponentOut, GroupOut
from .shared import component_by_code, group_by_code, group_in, page_named

router = Router()


class PageFilter(Schema):
    page: str | None = Field(None, description="A page's slug; default: the default page.")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class GroupIn(Input):
    page: str | None = Field(None, description="A page's slug; default: the default page.")
    name: str
    description: str = ""
    position: StrictInt | None = Field(None, description="Default: after the others.")


class GroupPatch(Patch):
    name: str = None
    description: str = None
    position: StrictInt = None


class ComponentIn(Input):
    page: str | None = Field(None, description="A page's slug; default: the default page.")
    name: str
    description: str = ""
    group: str | None = Field(None, description="A group's code.")
    position: StrictInt | None = Field(None, description="Default: after the others.")
    services: list[str] = Field(default_factory=list, description="Service slugs.")
    showcase: StrictBool = True
    only_show_if_degraded: StrictBool = False
    visible: StrictBool = True
    start_date: date | None = None
    automatic: StrictBool = False
    automatic_message: str | None = None


class ComponentPatch(Patch):
    name: str = None
    description: str = None
    group: str | None = Field(None, description="A group's code; null: no group.")
    position: StrictInt = None
    services: list[str] = Field(None, description="Service slugs; replaces the list.")
    showcase: StrictBool = None
    only_show_if_degraded: StrictBool = None
    visible: StrictBool = None
    start_date: date | None = None
    automatic: StrictBool = None
    automatic_message: str = None


class StatusIn(Input):
    status: str = Field(
        description="operational, degraded_performance, partial_outage, major_outage or "
        "under_maintenance."
    )


class OrderIn(Input):
    page: str | None = Field(None, description="A page's slug; default: the default page.")
    order: list[str] = Field(description="Component codes, first to last.")


def _groups(page):
    return ComponentGroup.objects.filter(page=page).select_related("page")


@router.get("/status/groups", response={200: list[GroupOut], **ERRORS})
def list_groups(request, filters: Query[PageFilter]):
    return list(_groups(page_named(filters.page)))


@router.post("/status/groups", response={201: GroupOut, **ERRORS})
def create_group(request, payload: GroupIn):
    """Admins."""
    group = services.create_group(
        page=page_named(payload.page),
        name=payload.name,
        description=payload.description,
        position=payload.position,
        by=request.user,
    )
    return Status(201, group)


@router.patch("/status/groups/{code}", response={200: GroupOut, **ERRORS})
def update_group(request, code: str, payload: GroupPatch):
    return services.update_group(
        group=group_by_code(code), by=request.user, **payload.model_dump(exclude_unset=True)
    )


@router.delete("/status/groups/{code}", response={204: None, **ERRORS})
def delete_group(request, code: str):
    """Its components stay, outside any group."""
    services.delete_group(group=group_by_code(code), by=request.user)
    return Status(204, None)


@router.get("/status/components", response={200: list[ComponentOut], **ERRORS})
def list_components(request, filters: Query[PageFilter]):
    """In the page's order: by group, then position."""
    return list(components_of(page_named(filters.page)).select_related("page"))


@router.post("/status/components", response={201: ComponentOut, **ERRORS})
def create_component(request, payload: ComponentIn):
    """Admins; team leads for components of their team's services."""
    page = page_named(payload.page)
    fields = payload.model_dump(exclude={"page", "group", "services"})
    component = services.create_component(
        page=page,
        by=request.user,
        group=group_in(page, payload.group),
        services=services_by_slug(payload.services),
        **fields,
    )
    return Status(201, component)


@router.put("/status/components/order", response={200: list[ComponentOut], **ERRORS})
def reorder_components(request, payload: OrderIn):
    """Positions 0, 1, 2 … in the order given (within their groups)."""
    return services.reorder(page=page_named(payload.page), order=payload.order, by=request.user)


@router.get("/status/components/{code}", response={200: ComponentOut, **ERRORS})
def get_component(request, code: str):
    return component_by_code(code)


@router.patch("/status/components/{code}", response={200: ComponentOut, **ERRORS})
def update_component(request, code: str, payload: ComponentPatch):
    """Change any of the given fields; if one is refused, none is changed."""
    component = component_by_code(code)
    fields = payload.model_dump(exclude_unset=True)
    if "group" in fields:
        fields["group"] = group_in(component.page, fields["group"])
    if "services" in fields:
        fields["services"] = services_by_slug(fields["services"])
    return services.update_component(component=component, by=request.user, **fields)


@router.delete("/status/components/{code}", response={204: None, **ERRORS})
def delete_component(request, code: str):
    services.delete_component(component=component_by_code(code), by=request.user)
    return Status(204, None)


@router.post("/status/components/{code}/status", response={200: ComponentOut, **ERRORS})
def set_component_status(request, code: str, payload: StatusIn):
    """By hand, outside any public incident (written into its history)."""
    return services.set_component_status(
        component=component_by_code(code), status=payload.status, by=request.user
    )
