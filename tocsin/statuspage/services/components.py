"""Component groups and components: set up, reordered, and their status set by a person."""

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tocsin.accounts.permissions import (
    ensure_can_write,
    ensure_manages_status_pages,
    ensure_may_edit_component,
    ensure_may_post_public_update,
)
from tocsin.errors import PermissionDenied, ValidationFailed

from ..models import Component, ComponentGroup, ComponentStatus, Page
from .common import apply_status, clean_body, clean_name, rerender_on_commit, status_value

GROUP_FIELDS = {"name", "description", "position"}
COMPONENT_FIELDS = {
    "name",
    "description",
    "group",
    "position",
    "services",
    "showcase",
    "only_show_if_degraded",
    "visible",
    "start_date",
    "automatic",
    "automatic_message",
}
DEFAULT_AUTOMATIC_MESSAGE = Component._meta.get_field("automatic_message").default


MAX_POSITION = 1_000_000


def _position(value, *, field: str = "position") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_POSITION:
        raise ValidationFailed(
            f"the position is a whole number from 0 to {MAX_POSITION:,}", field=field
        )
    return value


def _next_position(rows) -> int:
    highest = rows.aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


def _unique_name(model, page: Page, name: str, *, exclude=None) -> None:
    others = model.objects.filter(page=page, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        what = "group" if model is ComponentGroup else "component"
        raise ValidationFailed(f"{page.name} already has a {what} named {name!r}", field="name")


# ---------------------------------------------------------------------------------------------
# Groups: admins


def create_group(*, page: Page, name: str, by, description: str = "", position=None):
    ensure_manages_status_pages(by, action="add a component group")
    name = clean_name(name, max_length=100, what="group")
    description = clean_body(description, field="description", required=False)
    _unique_name(ComponentGroup, page, name)
    with transaction.atomic():
        group = ComponentGroup.objects.create(
            page=page,
            name=name,
            description=description,
            position=_next_position(page.groups.all()) if position is None else _position(position),
        )
        rerender_on_commit(page)
    return group


def update_group(*, group: ComponentGroup, by, **fields) -> ComponentGroup:
    ensure_manages_status_pages(by, action="change a component group")
    unknown = set(fields) - GROUP_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(f"a group has no field {field!r}", field=field)
    if "name" in fields:
        fields["name"] = clean_name(fields["name"], max_length=100, what="group")
        _unique_name(ComponentGroup, group.page, fields["name"], exclude=group)
    if "description" in fields:
        fields["description"] = clean_body(
            fields["description"], field="description", required=False
        )
    if "position" in fields:
        fields["position"] = _position(fields["position"])
    with transaction.atomic():
        for name, value in fields.items():
            setattr(group, name, value)
        group.updated_at = timezone.now()
        group.save()
        rerender_on_commit(group.page)
    return group


def delete_group(*, group: ComponentGroup, by) -> None:
    """Its components stay on the page, outside any group."""
    ensure_manages_status_pages(by, action="remove a component group")
    with transaction.atomic():
        page = group.page
        group.delete()
        rerender_on_commit(page)


# ---------------------------------------------------------------------------------------------
# Components: admins, and the leads of the teams whose services a component shows


def _group_of(page: Page, group) -> ComponentGroup | None:
    if group is None:
        return None
    if not isinstance(group, ComponentGroup) or group.page_id != page.pk:
        raise ValidationFailed(f"the group is not one of {page.name}'s", field="group")
    return group


def _start_date(value) -> date | None:
    if value is not None and not isinstance(value, date):
        raise ValidationFailed("the start date is a date, e.g. 2026-01-31", field="start_date")
    return value


def _flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(f"{field.replace('_', ' ')} is true or false", field=field)
    return value


def create_component(
    *,
    page: Page,
    name: str,
    by,
    group: ComponentGroup | None = None,
    description: str = "",
    position=None,
    services=(),
    showcase: bool = True,
    only_show_if_degraded: bool = False,
    visible: bool = True,
    start_date: date | None = None,
    automatic: bool = False,
    automatic_message: str | None = None,
) -> Component:
    services = list(services)
    if not services and not getattr(by, "is_admin", False):
        ensure_can_write(by)
        raise PermissionDenied(
            "only an admin may add a component linked to no service; a team lead links it to "
            "their team's services",
            field="services",
        )
    name = clean_name(name, max_length=100, what="component")
    ensure_may_edit_component(by, Component(name=name), services=services)
    _unique_name(Component, page, name)
    message = (
        DEFAULT_AUTOMATIC_MESSAGE
        if automatic_message is None
        else clean_body(automatic_message, field="automatic_message", required=False)
    )
    if automatic and not message:
        raise ValidationFailed(
            "a component that publishes by itself needs the first update it publishes",
            field="automatic_message",
        )
    with transaction.atomic():
        component = Component.objects.create(
            page=page,
            name=name,
            group=_group_of(page, group),
            description=clean_body(description, field="description", required=False),
            position=(
                _next_position(page.components.filter(group=group))
                if position is None
                else _position(position)
            ),
            showcase=_flag(showcase, "showcase"),
            only_show_if_degraded=_flag(only_show_if_degraded, "only_show_if_degraded"),
            visible=_flag(visible, "visible"),
            start_date=_start_date(start_date),
            automatic=_flag(automatic, "automatic"),
            automatic_message=message,
        )
        component.services.set(services)
        rerender_on_commit(page)
    return component


def update_component(*, component: Component, by, **fields) -> Component:
    """Change the given fields; if one is refused, none is changed."""
    ensure_may_edit_component(by, component)
    unknown = set(fields) - COMPONENT_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(f"a component has no field {field!r}", field=field)
    services = fields.pop("services", None)
    if services is not None:
        services = list(services)
        if not services and not by.is_admin:
            raise PermissionDenied(
                "only an admin may leave a component linked to no service", field="services"
            )
        ensure_may_edit_component(by, component, services=services)
    page = component.page
    if "name" in fields:
        fields["name"] = clean_name(fields["name"], max_length=100, what="component")
        _unique_name(Component, page, fields["name"], exclude=component)
    if "group" in fields:
        fields["group"] = _group_of(page, fields["group"])
    if "description" in fields:
        fields["description"] = clean_body(
            fields["description"], field="description", required=False
        )
    if "automatic_message" in fields:
        fields["automatic_message"] = clean_body(
            fields["automatic_message"], field="automatic_message", required=False
        )
    if "position" in fields:
        fields["position"] = _position(fields["position"])
    if "start_date" in fields:
        fields["start_date"] = _start_date(fields["start_date"])
    for flag in ("showcase", "only_show_if_degraded", "visible", "automatic"):
        if flag in fields:
            fields[flag] = _flag(fields[flag], flag)
    automatic = fields.get("automatic", component.automatic)
    if automatic and not fields.get("automatic_message", component.automatic_message):
        raise ValidationFailed(
            "a component that publishes by itself needs the first update it publishes",
            field="automatic_message",
        )
    with transaction.atomic():
        for name, value in fields.items():
            setattr(component, name, value)
        component.updated_at = timezone.now()
        component.save()
        if services is not None:
            component.services.set(services)
        rerender_on_commit(page)
    return component


def delete_component(*, component: Component, by) -> None:
    """Gone from the page with its history and uptime; incidents that named it keep their text."""
    ensure_may_edit_component(by, component)
    with transaction.atomic():
        page = component.page
        component.delete()
        rerender_on_commit(page)


def reorder(*, page: Page, order: list[str], by) -> list[Component]:
    """Give the components named by `order` (their codes) positions 0, 1, 2 … in that order."""
    if len(set(order)) != len(order):
        raise ValidationFailed("a component is named twice in the order", field="order")
    found = {component.code: component for component in page.components.filter(code__in=order)}
    for code in order:
        if code not in found:
            raise ValidationFailed(f"{page.name} has no component {code!r}", field="order")
    components = [found[code] for code in order]
    moved = [c for position, c in enumerate(components) if c.position != position]
    for component in moved:
        ensure_may_edit_component(by, component)
    ensure_can_write(by)
    with transaction.atomic():
        now = timezone.now()
        for position, component in enumerate(components):
            if component.position != position:
                component.position = position
                component.updated_at = now
                component.save(update_fields=["position", "updated_at"])
        rerender_on_commit(page)
    return components


def set_component_status(
    *, component: Component, status: str, by, incident=None, maintenance=None
) -> Component:
    """Set a component's status by hand, or as part of a public incident (who may post its
    updates may) or a maintenance; written into its history, the page rendered again."""
    if incident is not None:
        ensure_may_post_public_update(by, incident)
        if not component.incidents.filter(pk=incident.pk).exists():
            raise ValidationFailed(
                f"{component.name} is not a component of this public incident", field="component"
            )
    else:
        ensure_may_edit_component(by, component)
    status = status_value(status)
    if maintenance is not None and maintenance.page_id != component.page_id:
        raise ValidationFailed("the maintenance is on another page", field="maintenance")
    if status == ComponentStatus.UNDER_MAINTENANCE and maintenance is None and incident is not None:
        raise ValidationFailed(
            "under maintenance is set by a scheduled maintenance, not an incident", field="status"
        )
    with transaction.atomic():
        component = Component.objects.select_for_update().get(pk=component.pk)
        apply_status(component, status, by=by, incident=incident, maintenance=maintenance)
        rerender_on_commit(component.page)
    return component
