"""Action item pages: the post-mortem's section (add one, update or add a runbook), editing
one, changing its status, and "My follow-ups". Thin: parse a form, call one service, redirect;
a refusal is a 403, an invalid form the page again with the error in place (422)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import (
    may_add_action_item,
    may_change_action_item_status,
    may_edit_action_item,
    may_see_action_items,
    may_see_postmortem,
)
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error
from tocsin.incidents.models import Channel
from tocsin.runbooks.models import Runbook
from tocsin.runbooks.selectors import runbook_for

from . import selectors, services
from .forms import ActionItemForm, StatusForm
from .models import ActionItem, ActionKind, ActionPriority

DEFAULT_DUE = timedelta(days=14)


def _postmortem(request, pk: int):
    from tocsin.postincident.postmortems.models import Postmortem

    postmortem = get_object_or_404(
        Postmortem.objects.select_related("incident__team", "author"), pk=pk
    )
    if not may_see_postmortem(postmortem, request.user):
        raise Forbidden("you may not see this post-mortem")
    return postmortem


def _runbook_prefill(runbook: Runbook) -> dict:
    return {
        "kind": ActionKind.UPDATE_RUNBOOK,
        "title": f"Update runbook {runbook.name}",
        "runbook": runbook.pk,
    }


def _new_form(postmortem, request) -> ActionItemForm:
    initial = {
        "due_on": timezone.now().date() + DEFAULT_DUE,
        "priority": ActionPriority.MEDIUM,
        "owner": request.user.pk if request.user.is_authenticated else None,
    }
    if request.GET.get("kind") == ActionKind.UPDATE_RUNBOOK:
        runbook = runbook_for(postmortem.incident).runbook
        if runbook is not None:
            initial.update(_runbook_prefill(runbook))
    return ActionItemForm(initial=initial, auto_id="ai_%s")


def action_items_context(postmortem, user, *, form=None, request=None) -> dict:
    """What the post-mortem page shows of its action items."""
    incident = postmortem.incident
    may_add = may_add_action_item(incident, user, postmortem=postmortem)
    return {
        "action_items": list(selectors.items_of_postmortem(postmortem)),
        "may_add_action_item": may_add,
        "action_item_form": form
        or (_new_form(postmortem, request) if request is not None else None),
        "incident_runbook": runbook_for(incident).runbook if may_add else None,
        "runbook_suggestions": selectors.runbook_suggestions(incident) if may_add else [],
    }


def _section(postmortem) -> str:
    return reverse("postmortem-detail", args=[postmortem.pk]) + "#action-items"


def _create(request, postmortem, data: dict, runbook=None):
    return services.create_action_item(
        incident=postmortem.incident,
        postmortem=postmortem,
        by=request.user,
        via=Channel.WEB,
        runbook=runbook,
        **data,
    )


@login_required
@require_POST
def add_action_item(request, pk: int):
    from tocsin.postincident.postmortems.views import _detail

    postmortem = _postmortem(request, pk)
    form = ActionItemForm(request.POST, auto_id="ai_%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        runbook_pk = data.pop("runbook")
        runbook = Runbook.objects.filter(pk=runbook_pk).first() if runbook_pk else None
        if runbook_pk and runbook is None:
            form.add_error(None, f"no runbook {runbook_pk}")
        else:
            try:
                item = _create(request, postmortem, data, runbook)
            except PermissionDenied as error:
                raise Forbidden(error.message) from error
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Action item “{item.title}” added.")
                return redirect(_section(postmortem))
    return _detail(request, postmortem, status=422, action_item_form=form)


@login_required
@require_POST
def suggest_runbook(request, pk: int):
    """The one-click "Add runbook" action item for an alert that had no runbook."""
    postmortem = _postmortem(request, pk)
    name = request.POST.get("alert", "")
    if name not in selectors.runbook_suggestions(postmortem.incident):
        messages.error(request, f"No runbook is missing for the alert {name!r}.")
        return redirect(_section(postmortem))
    owner = request.user
    try:
        item = _create(
            request,
            postmortem,
            {
                "kind": ActionKind.ADD_RUNBOOK,
                "title": selectors.add_runbook_title(name),
                "description": f"The alert {name} fired without a runbook.",
                "owner": owner,
                "due_on": timezone.now().date() + DEFAULT_DUE,
            },
        )
    except PermissionDenied as error:
        raise Forbidden(error.message) from error
    except DomainError as error:
        messages.error(request, f"No action item was added: {error.message}")
        return redirect(_section(postmortem))
    messages.success(request, f"Action item “{item.title}” added.")
    return redirect(_section(postmortem))


def _item(request, pk: int) -> ActionItem:
    item = get_object_or_404(selectors.with_relations(ActionItem.objects.all()), pk=pk)
    if not may_see_action_items(request.user):
        raise Forbidden("sign in to see action items")
    return item


def _item_page(request, item, *, form=None, status_form=None, status=200):
    user = request.user
    form = form or ActionItemForm(
        initial={
            "kind": item.kind,
            "title": item.title,
            "description": item.description,
            "owner": item.owner_id,
            "due_on": item.due_on,
            "priority": item.priority,
            "external_url": item.external_url,
            "runbook": item.runbook_id,
        },
        auto_id="ai_%s",
    )
    return render(
        request,
        "actions/item.html",
        {
            "item": item,
            "incident": item.incident,
            "form": form,
            "status_form": status_form or StatusForm(initial={"status": item.status}),
            "may_edit": may_edit_action_item(item, user),
            "may_change_status": may_change_action_item_status(item, user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_item_detail(request, pk: int):
    item = _item(request, pk)
    if request.method == "GET":
        return _item_page(request, item)
    form = ActionItemForm(request.POST, auto_id="ai_%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("runbook")
        try:
            services.update_action_item(item=item, by=request.user, via=Channel.WEB, **data)
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Action item saved.")
            return redirect(reverse("action-item-detail", args=[item.pk]))
    return _item_page(request, item, form=form, status=422)


@login_required
@require_POST
def action_item_status(request, pk: int):
    item = _item(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(
                item=item,
                by=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                via=Channel.WEB,
            )
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Action item status changed.")
            return redirect(
                request.POST.get("next") or reverse("action-item-detail", args=[item.pk])
            )
    return _item_page(request, item, status_form=form, status=422)


@login_required
@require_GET
def follow_ups(request):
    """My open action items, overdue first, and those I created."""
    today = timezone.now().date()
    mine = list(selectors.open_items_of(request.user))
    return render(
        request,
        "actions/follow_ups.html",
        {
            "mine": mine,
            "overdue": [item for item in mine if item.due_on < today],
            "created": list(selectors.created_by(request.user)),
            "today": today,
        },
    )
