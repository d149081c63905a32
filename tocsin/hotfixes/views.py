"""The hot fix pages: recording one (from the incident page's card, or its own page when the
form needs correcting), a hot fix's page (edit it, add and remove merge-back targets), and the
merge-back checkboxes. Thin: parse a form, call one service, redirect; a refusal is a 403, an
invalid form the page again with the error in place (422)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from tocsin.accounts.permissions import may_change_hot_fix, may_record_hot_fix
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error
from tocsin.incidents.models import Channel, Incident

from . import selectors, services
from .forms import HotFixForm, MergeBackForm, RecordForm, TargetForm
from .models import HotFix, MergeBack


def _card(incident: Incident) -> str:
    return reverse("incident-detail", args=[incident.pk]) + "#hot-fixes"


def _back(request, default: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def _hot_fix(pk: int) -> HotFix:
    return get_object_or_404(selectors.with_relations(HotFix.objects.all()), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def record(request, pk: int):
    """Record a hot fix on the incident; the card's form posts here."""
    incident = get_object_or_404(Incident.objects.select_related("team"), pk=pk)
    if not may_record_hot_fix(incident, request.user):
        raise Forbidden("you may not record a hot fix on this incident")
    status = 200
    if request.method == "GET":
        form = RecordForm(initial={"owner": request.user.pk}, auto_id="hf_%s")
    else:
        form = RecordForm(request.POST, auto_id="hf_%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                hot_fix = services.record_hot_fix(
                    incident=incident,
                    by=request.user,
                    change_url=data["change_url"],
                    branch=data["branch"],
                    targets=data["targets"],
                    owner=data["owner"],
                    note=data["note"],
                    via=Channel.WEB,
                )
            except PermissionDenied as error:
                raise Forbidden(error.message) from error
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Hot fix {hot_fix.change_url} recorded.")
                return redirect(_card(incident))
        status = 422
    return render(
        request, "hotfixes/record.html", {"incident": incident, "form": form}, status=status
    )


def _detail(request, hot_fix: HotFix, *, form=None, target_form=None, status=200):
    return render(
        request,
        "hotfixes/detail.html",
        {
            "hot_fix": hot_fix,
            "incident": hot_fix.incident,
            "may_change": may_change_hot_fix(hot_fix, request.user),
            "form": form
            or HotFixForm(
                initial={
                    "change_url": hot_fix.change_url,
                    "branch": hot_fix.branch,
                    "owner": hot_fix.owner_id,
                    "note": hot_fix.note,
                },
                auto_id="hf_%s",
            ),
            "target_form": target_form or TargetForm(auto_id="target_%s"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk: int):
    """A hot fix's page; posting its form edits it."""
    hot_fix = _hot_fix(pk)
    if request.method == "GET":
        return _detail(request, hot_fix)
    form = HotFixForm(request.POST, auto_id="hf_%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = data["owner"] or hot_fix.owner
        try:
            services.edit_hot_fix(hot_fix=hot_fix, by=request.user, via=Channel.WEB, **data)
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Hot fix saved.")
            return redirect(reverse("hot-fix-detail", args=[hot_fix.pk]))
    return _detail(request, hot_fix, form=form, status=422)


@login_required
@require_POST
def add_target(request, pk: int):
    hot_fix = _hot_fix(pk)
    form = TargetForm(request.POST, auto_id="target_%s")
    if form.is_valid():
        try:
            target = services.add_target(
                hot_fix=hot_fix, by=request.user, branch=form.cleaned_data["branch"]
            )
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"To merge back into {target.branch} too.")
            return redirect(reverse("hot-fix-detail", args=[hot_fix.pk]))
    return _detail(request, hot_fix, target_form=form, status=422)


def _target_of(hot_fix: HotFix, target_pk: int) -> MergeBack:
    return get_object_or_404(MergeBack, hot_fix=hot_fix, pk=target_pk)


@login_required
@require_POST
def remove_target(request, pk: int, target: int):
    hot_fix = _hot_fix(pk)
    branch = _target_of(hot_fix, target).branch
    try:
        services.remove_target(hot_fix=hot_fix, by=request.user, branch=branch)
    except PermissionDenied as error:
        raise Forbidden(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"No merge-back into {branch} needed.")
    return redirect(reverse("hot-fix-detail", args=[hot_fix.pk]))


@login_required
@require_POST
def merge_back(request, pk: int, target: int):
    """A merge-back's checkbox: ticked, it is done; cleared, it is not."""
    hot_fix = _hot_fix(pk)
    branch = _target_of(hot_fix, target).branch
    back = _back(request, _card(hot_fix.incident))
    form = MergeBackForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{field}: {errors[0]}")
        return redirect(back)
    try:
        if form.cleaned_data["done"]:
            link = form.cleaned_data["link"] or services.UNSET
            services.mark_merged_back(hot_fix=hot_fix, by=request.user, branch=branch, link=link)
            messages.success(request, f"Merged back into {branch}.")
        else:
            services.mark_not_merged_back(hot_fix=hot_fix, by=request.user, branch=branch)
            messages.success(request, f"Not merged back into {branch}.")
    except PermissionDenied as error:
        raise Forbidden(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)
