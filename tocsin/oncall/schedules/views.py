"""Schedule pages: who is on call now and the next 14 days, layers, overrides, calendars.

Thin like the other pages: parse a form, call one service in `services.py`, render or
redirect. A DomainError becomes a form error or a message; the service changed nothing.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.models import Membership
from tocsin.accounts.permissions import (
    may_manage_team,
    may_remove_override,
    may_see_schedule_calendar,
    override_candidates,
    teams_managed_by,
)
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from . import calendars, selectors, services
from .forms import ConfirmForm, LayerForm, OverrideForm, ScheduleForm
from .models import Layer, Override, PersonalCalendar, Schedule
from .presentation import PALETTE, describe_layer, fourteen_days, person_colours

DAYS_SHOWN = 14
MY_HORIZON = timedelta(days=60)


def _schedule(pk: int) -> Schedule:
    return get_object_or_404(Schedule.objects.select_related("team"), pk=pk)


# ---------------------------------------------------------------------------------------------
# Schedules


@login_required
@require_GET
def schedule_list(request):
    now = timezone.now()
    schedules = list(Schedule.objects.select_related("team").order_by("team__name", "name"))
    for schedule in schedules:
        schedule.current = selectors.shift_at(schedule, now)
    my_teams = set(request.user.memberships.values_list("team_id", flat=True))
    calendar = PersonalCalendar.objects.filter(user=request.user).first()
    return render(
        request,
        "oncall/schedule_list.html",
        {
            "schedules": schedules,
            "my_team_ids": my_teams,
            "may_create": teams_managed_by(request.user).exists(),
            "personal_feed": calendars.personal_feed_url(calendar) if calendar else None,
            "rotate_form": ConfirmForm(auto_id="personal_%s"),
            "my_shift": next(iter(selectors.shifts_of(request.user, now, now + MY_HORIZON)), None),
            "now": now,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_create(request):
    teams = teams_managed_by(request.user)
    if request.method == "POST":
        form = ScheduleForm(request.POST, teams=teams)
        if form.is_valid():
            data = form.cleaned_data
            try:
                schedule = services.create_schedule(
                    team=data["team"],
                    name=data["name"],
                    time_zone=data["time_zone"],
                    description=data["description"],
                    by=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, f"Schedule {schedule.name} created. Add a layer: who takes turns."
                )
                return redirect("layer-create", pk=schedule.pk)
    else:
        form = ScheduleForm(
            teams=teams,
            initial={
                "team": request.GET.get("team")
                and teams.filter(slug=request.GET["team"]).first()
                or teams.first(),
                "time_zone": request.user.time_zone,
            },
        )
    status = 422 if form.errors else 200
    return render(request, "oncall/schedule_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request, pk: int):
    schedule = _schedule(pk)
    if request.method == "POST":
        form = ScheduleForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.update_schedule(schedule=schedule, by=request.user, **form.cleaned_data)
            except PermissionDenied as error:
                messages.error(request, error.message)
                return redirect("schedule-detail", pk=schedule.pk)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Schedule {schedule.name} saved.")
                return redirect("schedule-detail", pk=schedule.pk)
    else:
        form = ScheduleForm(
            editing=True,
            initial={
                "name": schedule.name,
                "time_zone": schedule.time_zone,
                "description": schedule.description,
            },
        )
    status = 422 if form.errors else 200
    return render(
        request, "oncall/schedule_form.html", {"form": form, "schedule": schedule}, status=status
    )


def _detail_page(request, schedule: Schedule, *, override_form=None, status=200):
    user = request.user
    now = timezone.now()
    viewer_zone = timezone.get_current_timezone()
    zone = selectors.zone_of(schedule)
    in_my_zone = request.GET.get("zone") == "mine"
    manages = may_manage_team(schedule.team, user)
    layers = selectors.layers_of(schedule)
    overrides = list(
        Override.objects.filter(schedule=schedule, ends_at__gt=now)
        .select_related("user", "created_by", "schedule__team")
        .order_by("starts_at", "id")
    )
    colours = person_colours(layers, overrides)
    people = override_candidates(schedule.team, user)
    for override in overrides:
        override.may_delete = may_remove_override(override, user)
    current = selectors.shift_at(schedule, now)
    context = {
        "schedule": schedule,
        "now": now,
        "current": current,
        "days": fourteen_days(
            schedule,
            now=now,
            zone=viewer_zone if in_my_zone else zone,
            other_zone=zone if in_my_zone else viewer_zone,
            colours=colours,
            count=DAYS_SHOWN,
        ),
        "in_my_zone": in_my_zone,
        "viewer_zone": str(viewer_zone),
        "zones_differ": str(viewer_zone) != schedule.time_zone,
        "current_colour": colours.get(current.user.pk, PALETTE[-1]) if current else "",
        "layers": [
            {
                "layer": layer,
                **describe_layer(layer),
                "people": [
                    {"user": turn.user, "colour": colours[turn.user.pk]}
                    for turn in layer.turns.all()
                ],
            }
            for layer in layers
        ],
        "overrides": overrides,
        "manages": manages,
        "override_form": override_form
        or (
            OverrideForm(
                schedule=schedule,
                people=people,
                auto_id="override_%s",
                initial={"user": user.pk if people.filter(pk=user.pk).exists() else None},
            )
            if people.exists()
            else None
        ),
        "feed_url": (
            calendars.schedule_feed_url(schedule)
            if may_see_schedule_calendar(schedule.team, user)
            else None
        ),
        "rotate_form": ConfirmForm(auto_id="rotate_%s"),
    }
    return render(request, "oncall/schedule_detail.html", context, status=status)


@login_required
@require_GET
def schedule_detail(request, pk: int):
    return _detail_page(request, _schedule(pk))


@login_required
@require_POST
def schedule_rotate_calendar(request, pk: int):
    schedule = _schedule(pk)
    form = ConfirmForm(request.POST, auto_id="rotate_%s")
    if not form.is_valid():
        messages.error(request, "The address was not changed: tick the box to confirm.")
        return redirect("schedule-detail", pk=schedule.pk)
    try:
        services.rotate_calendar_token(schedule=schedule, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{schedule.name} has a new calendar address; the old one no longer works. "
            "Subscribe again with the new one.",
        )
    return redirect(f"{reverse('schedule-detail', args=[schedule.pk])}#calendar")


# ---------------------------------------------------------------------------------------------
# Layers


def _layer_page(request, schedule, form, layer=None, status=200):
    members = Membership.objects.filter(team=schedule.team).select_related("user")
    return render(
        request,
        "oncall/layer_form.html",
        {"schedule": schedule, "form": form, "layer": layer, "members": members},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def layer_create(request, pk: int):
    schedule = _schedule(pk)
    if not may_manage_team(schedule.team, request.user):
        messages.error(request, f"Only an admin or a lead of {schedule.team.name} may add layers.")
        return redirect("schedule-detail", pk=schedule.pk)
    if request.method == "POST":
        form = LayerForm(request.POST, auto_id="layer_%s")
        if form.is_valid():
            try:
                layer = services.add_layer(
                    schedule=schedule, by=request.user, **form.layer_fields()
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Layer {layer.name} added.")
                return redirect("schedule-detail", pk=schedule.pk)
    else:
        form = LayerForm(
            auto_id="layer_%s",
            initial={
                "start_date": timezone.now().astimezone(selectors.zone_of(schedule)).date(),
                "name": "Primary" if not schedule.layers.exists() else "",
            },
        )
    return _layer_page(request, schedule, form, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def layer_edit(request, pk: int, layer_pk: int):
    schedule = _schedule(pk)
    layer = get_object_or_404(Layer, pk=layer_pk, schedule=schedule)
    if not may_manage_team(schedule.team, request.user):
        messages.error(
            request, f"Only an admin or a lead of {schedule.team.name} may change layers."
        )
        return redirect("schedule-detail", pk=schedule.pk)
    if request.method == "POST":
        form = LayerForm(request.POST, auto_id="layer_%s")
        if form.is_valid():
            fields = form.layer_fields()
            if fields["position"] is None:
                fields["position"] = layer.position
            try:
                layer = services.update_layer(layer=layer, by=request.user, **fields)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Layer {layer.name} saved.")
                return redirect("schedule-detail", pk=schedule.pk)
    else:
        form = LayerForm(
            auto_id="layer_%s",
            initial={
                "name": layer.name,
                "participants": [turn.user for turn in layer.turns.select_related("user")],
                "rotation_length": layer.rotation_length,
                "rotation_unit": layer.rotation_unit,
                "handoff_time": layer.handoff_time,
                "start_date": layer.start_date,
                "position": layer.position,
                "restrict_days": layer.restrict_days,
                "restrict_start": layer.restrict_start,
                "restrict_end": layer.restrict_end,
            },
        )
    return _layer_page(request, schedule, form, layer, status=422 if form.errors else 200)


@login_required
@require_POST
def layer_delete(request, pk: int, layer_pk: int):
    schedule = _schedule(pk)
    layer = get_object_or_404(Layer.objects.select_related("schedule__team"), pk=layer_pk)
    if layer.schedule_id != schedule.pk:
        raise Http404("no such layer in this schedule")
    try:
        services.delete_layer(layer=layer, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Layer {layer.name} removed.")
    return redirect("schedule-detail", pk=schedule.pk)


# ---------------------------------------------------------------------------------------------
# Overrides


@login_required
@require_POST
def override_create(request, pk: int):
    schedule = _schedule(pk)
    people = override_candidates(schedule.team, request.user)
    form = OverrideForm(request.POST, schedule=schedule, people=people, auto_id="override_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            override = services.add_override(
                schedule=schedule,
                user=data["user"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                by=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            zone = selectors.zone_of(schedule)
            messages.success(
                request,
                f"{override.user} is on call from "
                f"{override.starts_at.astimezone(zone):%a %d %b %H:%M} to "
                f"{override.ends_at.astimezone(zone):%a %d %b %H:%M} ({schedule.time_zone}).",
            )
            return redirect(f"{reverse('schedule-detail', args=[schedule.pk])}#overrides")
    messages.error(request, "The override was not added; see below.")
    return _detail_page(request, schedule, override_form=form, status=422)


@login_required
@require_POST
def override_delete(request, pk: int, override_pk: int):
    schedule = _schedule(pk)
    override = get_object_or_404(
        Override.objects.select_related("schedule__team", "user"), pk=override_pk, schedule=schedule
    )
    try:
        services.delete_override(override=override, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Override for {override.user} removed.")
    return redirect(f"{reverse('schedule-detail', args=[schedule.pk])}#overrides")
