"""Web pages for webhooks: the list with a form to add one, and each one with its delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tocsin.accounts.permissions import (
    ensure_manages_webhooks,
    may_manage_webhooks,
    teams_managed_by,
)
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from . import selectors, services
from .forms import ConfirmForm, WebhookCreateForm, WebhookForm
from .models import Webhook

RECENT_DELIVERIES = 50


def _may_create(user) -> bool:
    """An instance-wide webhook, or one for a team the person manages."""
    return may_manage_webhooks(None, user) or teams_managed_by(user).exists()


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    user = request.user
    form = WebhookCreateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            webhook = services.create_webhook(
                team=data["team"],
                name=data["name"],
                url=data["url"],
                events=data["events"],
                enabled=data["enabled"],
                include_drills=data["include_drills"],
                by=user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"Webhook {webhook.name} added. Give its secret to the receiver, then send a test.",
            )
            return redirect("webhook-detail", pk=webhook.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "webhooks/webhook_list.html",
        {"webhooks": selectors.managed_by(user), "form": form, "may_create": _may_create(user)},
        status=status,
    )


def _webhook(request, pk: int) -> Webhook:
    webhook = get_object_or_404(Webhook.objects.select_related("team"), pk=pk)
    ensure_manages_webhooks(webhook.team, request.user)
    return webhook


def _page(request, webhook: Webhook, *, form=None, status=200):
    form = form or WebhookForm(
        initial={
            "name": webhook.name,
            "url": webhook.url,
            "events": webhook.events,
            "enabled": webhook.enabled,
            "include_drills": webhook.include_drills,
        }
    )
    return render(
        request,
        "webhooks/webhook_detail.html",
        {
            "webhook": webhook,
            "form": form,
            "rotate_form": ConfirmForm(auto_id="rotate_%s"),
            "delete_form": ConfirmForm(auto_id="delete_%s"),
            "deliveries": selectors.deliveries(webhook)[:RECENT_DELIVERIES],
        },
        status=status,
    )


def _refused(request, error: PermissionDenied):
    messages.error(request, error.message)
    return redirect("webhook-list")


@login_required
def webhook_detail(request, pk: int):
    try:
        return _page(request, _webhook(request, pk))
    except PermissionDenied as error:
        return _refused(request, error)


@login_required
@require_POST
def webhook_update(request, pk: int):
    try:
        webhook = _webhook(request, pk)
    except PermissionDenied as error:
        return _refused(request, error)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            services.update_webhook(webhook=webhook, by=request.user, **form.cleaned_data)
        except PermissionDenied as error:
            return _refused(request, error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Webhook {webhook.name} saved.")
            return redirect("webhook-detail", pk=webhook.pk)
    messages.error(request, "The webhook was not saved; see below.")
    return _page(request, _webhook(request, pk), form=form, status=422)


@login_required
@require_POST
def webhook_test(request, pk: int):
    try:
        services.send_test(webhook=_webhook(request, pk), by=request.user)
    except PermissionDenied as error:
        return _refused(request, error)
    messages.success(request, "A test (ping) is on its way; it shows in the log within seconds.")
    return redirect("webhook-detail", pk=pk)


@login_required
@require_POST
def webhook_rotate(request, pk: int):
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, "The secret was not changed: tick the box to confirm.")
        return redirect("webhook-detail", pk=pk)
    try:
        services.rotate_secret(webhook=_webhook(request, pk), by=request.user)
    except PermissionDenied as error:
        return _refused(request, error)
    messages.success(request, "New secret made: every delivery from now on is signed with it.")
    return redirect("webhook-detail", pk=pk)


@login_required
@require_POST
def webhook_delete(request, pk: int):
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, "The webhook was not deleted: tick the box to confirm.")
        return redirect("webhook-detail", pk=pk)
    try:
        webhook = _webhook(request, pk)
        services.delete_webhook(webhook=webhook, by=request.user)
    except PermissionDenied as error:
        return _refused(request, error)
    messages.success(request, f"Webhook {webhook.name} deleted.")
    return redirect("webhook-list")
