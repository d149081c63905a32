"""Post-mortem pages: the list, one post-mortem (its review, comments, publishing), editing its
sections, starting one from an incident, the Markdown, and the template admins edit.

Thin: parse a form, call one service, redirect; a refusal is a 403, an invalid form or a service's
ValidationFailed or Conflict the page again with the error in place (422)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import (
    ensure_may_see_postmortem,
    may_comment_on_postmortem,
    may_edit_postmortem,
    may_manage_postmortem_template,
    may_publish_postmortem,
    may_review_postmortem,
    may_see_postmortem,
)
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error
from tocsin.hotfixes.selectors import hot_fixes_of
from tocsin.incidents.models import Channel, Incident, Severity
from tocsin.postincident.actions.views import action_items_context
from tocsin.statuspage.markdown import render as markdown_html

from . import conf, document, selectors, services
from .forms import ApprovalsForm, CommentForm, EditForm, ReviewForm, ReviewRequestForm, TemplateForm
from .models import Postmortem, PostmortemStatus, RequiredApprovals
from .prefill import template_sections
from .services.common import EDITABLE
from .services.reviewing import REVIEWABLE


def _postmortem(request, pk: int) -> Postmortem:
    postmortem = get_object_or_404(
        Postmortem.objects.select_related("incident__team", "incident__severity", "author"), pk=pk
    )
    try:
        ensure_may_see_postmortem(postmortem, request.user)
    except PermissionDenied as error:
        raise Forbidden(error.message) from error
    return postmortem


def _url(postmortem: Postmortem, fragment: str = "") -> str:
    url = reverse("postmortem-detail", args=[postmortem.pk])
    return f"{url}#{fragment}" if fragment else url


@login_required
@require_GET
def postmortem_list(request):
    status = request.GET.get("status", "")
    postmortems = [
        postmortem
        for postmortem in selectors.postmortems_for_list(status)
        if may_see_postmortem(postmortem, request.user)
    ]
    return render(
        request,
        "postmortems/list.html",
        {
            "postmortems": postmortems,
            "status": status if status in PostmortemStatus.values else "",
            "statuses": PostmortemStatus.choices,
            "may_manage_template": may_manage_postmortem_template(request.user),
        },
    )


def _detail(request, postmortem: Postmortem, *, status: int = 200, **forms):
    user = request.user
    may_comment = may_comment_on_postmortem(postmortem, user) and not postmortem.is_published
    failed_comment = forms.get("comment_form")
    sections = [
        {
            "section": section,
            "html": markdown_html(section.body),
            "comments": list(section.comments.select_related("author")),
            "comment_form": failed_comment
            if failed_comment is not None and failed_comment.data.get("section") == section.title
            else CommentForm(initial={"section": section.title}, auto_id=f"c{section.pk}_%s"),
        }
        for section in postmortem.sections.all()
    ]
    context = {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "sections": sections,
        "reviews": list(postmortem.reviews.select_related("reviewer")),
        "approvers": selectors.approvers(postmortem),
        "reviewers": selectors.reviewers(postmortem),
        "pending": selectors.pending_reviewers(postmortem),
        "may_edit": may_edit_postmortem(postmortem, user) and postmortem.status in EDITABLE,
        "may_review": may_review_postmortem(postmortem, user) and postmortem.status in REVIEWABLE,
        "may_comment": may_comment,
        "may_publish": may_publish_postmortem(postmortem, user),
        "request_form": forms.get("request_form")
        or ReviewRequestForm(postmortem=postmortem, auto_id="rr_%s"),
        "review_form": forms.get("review_form") or ReviewForm(auto_id="rv_%s"),
        "publish_error": forms.get("publish_error", ""),
        **action_items_context(
            postmortem, user, form=forms.get("action_item_form"), request=request
        ),
        "hot_fixes": list(hot_fixes_of(postmortem.incident)),
        "folder": conf.folder(),
    }
    return render(request, "postmortems/detail.html", context, status=status)


@login_required
@require_GET
def postmortem_detail(request, pk: int):
    return _detail(request, _postmortem(request, pk))


def _refused(error: PermissionDenied):
    raise Forbidden(error.message) from error


@login_required
@require_http_methods(["GET", "POST"])
def postmortem_edit(request, pk: int):
    postmortem = _postmortem(request, pk)
    if not may_edit_postmortem(postmortem, request.user):
        raise Forbidden("you may not edit this post-mortem")
    form = EditForm(request.POST or None, postmortem=postmortem)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_postmortem(
                postmortem=postmortem,
                by=request.user,
                via=Channel.WEB,
                sections=form.section_bodies(),
                author=form.cleaned_data["author"],
                due_on=form.cleaned_data["due_on"],
            )
        except PermissionDenied as error:
            _refused(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Post-mortem saved.")
            return redirect(_url(postmortem))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "postmortems/edit.html",
        {"postmortem": postmortem, "incident": postmortem.incident, "form": form},
        status=status,
    )


@login_required
@require_POST
def postmortem_start(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    try:
        postmortem = services.start_postmortem(incident=incident, by=request.user, via=Channel.WEB)
    except PermissionDenied as error:
        _refused(error)
    except DomainError as error:
        messages.error(request, f"No post-mortem was started: {error.message}")
        return redirect(reverse("incident-detail", args=[incident.pk]) + "#postmortem")
    messages.success(request, f"Post-mortem of {incident.reference} started.")
    return redirect(_url(postmortem))


@login_required
@require_POST
def postmortem_request_review(request, pk: int):
    postmortem = _postmortem(request, pk)
    form = ReviewRequestForm(request.POST, postmortem=postmortem, auto_id="rr_%s")
    if form.is_valid():
        try:
            services.request_review(
                postmortem=postmortem,
                by=request.user,
                reviewers=form.cleaned_data["reviewers"],
                via=Channel.WEB,
            )
        except PermissionDenied as error:
            _refused(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Review asked for.")
            return redirect(_url(postmortem, "review"))
    return _detail(request, postmortem, status=422, request_form=form)


@login_required
@require_POST
def postmortem_review(request, pk: int):
    postmortem = _postmortem(request, pk)
    form = ReviewForm(request.POST, auto_id="rv_%s")
    if form.is_valid():
        try:
            services.review(
                postmortem=postmortem,
                by=request.user,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
                via=Channel.WEB,
            )
        except PermissionDenied as error:
            _refused(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Review recorded.")
            return redirect(_url(postmortem, "review"))
    return _detail(request, postmortem, status=422, review_form=form)


@login_required
@require_POST
def postmortem_comment(request, pk: int):
    postmortem = _postmortem(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            made = services.comment(
                postmortem=postmortem,
                section=form.cleaned_data["section"],
                by=request.user,
                body=form.cleaned_data["body"],
                via=Channel.WEB,
            )
        except PermissionDenied as error:
            _refused(error)
        except DomainError as error:
            # The section is a hidden field: its error is shown above the comment.
            form.add_error("body" if error.field == "body" else None, error.message)
        else:
            messages.success(request, f"Comment added to {made.section.title}.")
            return redirect(_url(postmortem, f"section-{made.section.position}"))
    if not postmortem.sections.filter(title=form.data.get("section", "")).exists():
        # No section shows this form: say what went wrong at the top of the page.
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _detail(request, postmortem, status=422, comment_form=form)


@login_required
@require_POST
def postmortem_publish(request, pk: int):
    postmortem = _postmortem(request, pk)
    try:
        postmortem = services.publish(
            postmortem=postmortem,
            by=request.user,
            via=Channel.WEB,
            no_action_items_reason=request.POST.get("no_action_items_reason", ""),
        )
    except PermissionDenied as error:
        _refused(error)
    except DomainError as error:
        return _detail(request, postmortem, status=422, publish_error=error.message)
    messages.success(request, "Post-mortem published.")
    return redirect(_url(postmortem))


@login_required
@require_GET
def postmortem_markdown(request, pk: int):
    postmortem = _postmortem(request, pk)
    response = HttpResponse(
        document.markdown(postmortem), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{document.filename(postmortem)}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def postmortem_template(request):
    if not may_manage_postmortem_template(request.user):
        raise Forbidden("only an admin may change the post-mortem template")
    severities = Severity.objects.order_by("rank")
    current = dict(RequiredApprovals.objects.values_list("severity_id", "approvals"))
    text = "\n".join(
        f"{title} | {guidance}" if guidance else title for title, guidance in template_sections()
    )
    data = request.POST or None
    template_form = TemplateForm(data, initial={"sections": text})
    approvals_form = ApprovalsForm(
        data, severities=severities, current=current, default=conf.default_approvals()
    )
    if request.method == "POST" and template_form.is_valid() and approvals_form.is_valid():
        try:
            services.save_template(
                sections=template_form.pairs(),
                approvals=approvals_form.wanted(),
                by=request.user,
            )
        except PermissionDenied as error:
            _refused(error)
        except DomainError as error:
            add_domain_error(template_form, error)
        else:
            messages.success(request, "Post-mortem template saved.")
            return redirect(reverse("postmortem-template"))
    return render(
        request,
        "postmortems/template.html",
        {"template_form": template_form, "approvals_form": approvals_form},
        status=422 if request.method == "POST" else 200,
    )
