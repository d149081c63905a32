"""Components and groups: listed with the forms that add them, edited, removed, moved up and
down (plain forms: no script needed), and a component's status set by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import (
    may_add_components,
    may_edit_component,
    may_manage_status_pages,
)
from tocsin.errors import DomainError, PermissionDenied, ValidationFailed
from tocsin.forms import add_domain_error

from .. import services
from ..forms import ComponentForm, ComponentStatusForm, GroupForm, MoveForm
from ..models import Component, ComponentGroup, ComponentStatus
from .overview import grouped
from .shared import action, page_of, refuse, url_for


def _list_page(request, page, *, group_form=None, component_form=None, status=200):
    user = request.user
    return render(
        request,
        "statuspage/manage/components.html",
        {
            "page": page,
            "groups": grouped(page, user),
            "group_form": group_form or GroupForm(auto_id="group_%s"),
            "component_form": component_form or ComponentForm(page=page, auto_id="component_%s"),
            "statuses": ComponentStatus.choices,
            "may_manage": may_manage_status_pages(user),
            "may_add_components": may_add_components(user),
        },
        status=status,
    )


@login_required
@require_GET
def component_list(request):
    return _list_page(request, page_of(request))


@login_required
@require_POST
def group_create(request):
    page = page_of(request)
    form = GroupForm(request.POST, auto_id="group_%s")
    if form.is_valid():
        try:
            group = services.create_group(page=page, by=request.user, **form.cleaned_data)
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Group {group.name} added.")
            return redirect(url_for("statuspage-components", page))
    return _list_page(request, page, group_form=form, status=422)


@login_required
@require_POST
def component_create(request):
    page = page_of(request)
    form = ComponentForm(request.POST, page=page, auto_id="component_%s")
    if form.is_valid():
        try:
            component = services.create_component(page=page, by=request.user, **form.changes())
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Component {component.name} added.")
            return redirect(url_for("statuspage-components", page))
    return _list_page(request, page, component_form=form, status=422)


def _component(code: str) -> Component:
    return get_object_or_404(Component.objects.select_related("page", "group"), code=code)


@login_required
@require_http_methods(["GET", "POST"])
def component_edit(request, code: str):
    component = _component(code)
    page = component.page
    if request.method == "POST":
        form = ComponentForm(request.POST, page=page, auto_id="component_%s")
        if form.is_valid():
            try:
                services.update_component(component=component, by=request.user, **form.changes())
            except PermissionDenied as error:
                refuse(error)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Component {component.name} saved.")
                return redirect(url_for("statuspage-components", page))
        status = 422
    else:
        form = ComponentForm(
            page=page, initial=ComponentForm.initial_for(component), auto_id="component_%s"
        )
        status = 200
    return render(
        request,
        "statuspage/manage/component_edit.html",
        {
            "page": page,
            "component": component,
            "form": form,
            "may_edit": may_edit_component(request.user, component),
            "history": component.history.select_related("by").order_by("-at", "-id")[:20],
        },
        status=status,
    )


@action
def component_delete(request, code: str):
    component = _component(code)
    request.back = url_for("statuspage-component-edit", component.page, component.code)
    services.delete_component(component=component, by=request.user)
    return (
        f"Component {component.name} removed.",
        url_for("statuspage-components", component.page),
    )


def _moved(items: list, item, direction: str) -> list:
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def _direction(request) -> str:
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed("move a component up or down", field="direction")
    return form.cleaned_data["direction"]


@action
def component_move(request, code: str):
    component = _component(code)
    page = component.page
    request.back = url_for("statuspage-components", page)
    siblings = list(
        page.components.filter(group=component.group_id).order_by("position", "name", "pk")
    )
    order = _moved(siblings, component, _direction(request))
    services.reorder(page=page, order=[c.code for c in order], by=request.user)
    return "", url_for("statuspage-components", page, fragment=f"component-{component.code}")


@action
def component_status(request, code: str):
    component = _component(code)
    back = request.POST.get("back") == "overview"
    request.back = url_for(
        "statuspage-overview" if back else "statuspage-components", component.page
    )
    form = ComponentStatusForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed("choose one of the component statuses", field="status")
    status = form.cleaned_data["status"]
    services.set_component_status(component=component, status=status, by=request.user)
    return (
        f"{component.name} is now {ComponentStatus(status).label.lower()}.",
        request.back,
    )


def _group(code: str) -> ComponentGroup:
    return get_object_or_404(ComponentGroup.objects.select_related("page"), code=code)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request, code: str):
    group = _group(code)
    page = group.page
    if request.method == "POST":
        form = GroupForm(request.POST, auto_id="group_%s")
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data["position"] is None:
                data.pop("position")
            try:
                services.update_group(group=group, by=request.user, **data)
            except PermissionDenied as error:
                refuse(error)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Group {group.name} saved.")
                return redirect(url_for("statuspage-components", page))
        status = 422
    else:
        form = GroupForm(
            initial={
                "name": group.name,
                "description": group.description,
                "position": group.position,
            },
            auto_id="group_%s",
        )
        status = 200
    return render(
        request,
        "statuspage/manage/group_edit.html",
        {
            "page": page,
            "group": group,
            "form": form,
            "may_manage": may_manage_status_pages(request.user),
        },
        status=status,
    )


@action
def group_delete(request, code: str):
    group = _group(code)
    request.back = url_for("statuspage-group-edit", group.page, group.code)
    services.delete_group(group=group, by=request.user)
    return (
        f"Group {group.name} removed; its components stay, outside any group.",
        url_for("statuspage-components", group.page),
    )


@action
def group_move(request, code: str):
    group = _group(code)
    page = group.page
    request.back = url_for("statuspage-components", page)
    order = _moved(list(page.groups.order_by("position", "name", "pk")), group, _direction(request))
    with transaction.atomic():
        for position, each in enumerate(order):
            if each.position != position:
                services.update_group(group=each, by=request.user, position=position)
    return "", url_for("statuspage-components", page, fragment=f"group-{group.code}")
