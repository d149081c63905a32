"""The who-gets-paged page: for a team, a severity and an instant, the path before it happens."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tocsin.accounts.models import Team
from tocsin.incidents.models import Severity

from .paging import escalation_path


def _instant(value: str) -> tuple[datetime, str]:
    """The instant asked for (naive means UTC), or now with a message saying why."""
    if not value:
        return timezone.now(), ""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return (
            timezone.now(),
            f"'{value}' is not a date and time such as 2026-03-02T10:00; showing now",
        )
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, timezone.get_current_timezone())
    return instant, ""


@login_required
@require_GET
def who_gets_paged(request):
    teams = list(Team.objects.order_by("name"))
    severities = list(Severity.objects.order_by("rank"))
    team = next((t for t in teams if t.slug == request.GET.get("team")), None)
    if team is None:
        mine = request.user.memberships.values_list("team_id", flat=True).first()
        team = next((t for t in teams if t.pk == mine), teams[0] if teams else None)
    severity = next((s for s in severities if s.key == request.GET.get("severity")), None)
    severity = severity or (severities[0] if severities else None)
    instant, problem = _instant(request.GET.get("at", "").strip())
    path = escalation_path(team, severity, instant) if team and severity else None
    return render(
        request,
        "oncall/who_gets_paged.html",
        {
            "teams": teams,
            "severities": severities,
            "team": team,
            "severity": severity,
            "instant": instant,
            "at_value": request.GET.get("at", ""),
            "problem": problem,
            "path": path,
        },
        status=200,
    )
