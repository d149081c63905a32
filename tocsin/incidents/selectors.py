"""Reads of incidents that several callers share."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tocsin.validation import whole_number

from .models import OPEN_STATUSES, Incident


def incidents_matching(
    *,
    status: str | None = None,
    severity: str | None = None,
    team: str | None = None,
    service: str | None = None,
    drill: bool | None = None,
    q: str | None = None,
) -> QuerySet[Incident]:
    """Incidents filtered as the list page and the API filter them: open first, newest first.

    `status` is a status value, or "open" / "closed"; `severity` a key such as P1; `team` and
    `service` are slugs; `q` searches the reference, title, description and resolution.
    """
    incidents = Incident.objects.select_related(
        "severity", "team", "acknowledged_by", "resolved_by", "reported_by"
    ).prefetch_related("services")
    if status == "open":
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        incidents = incidents.exclude(status__in=OPEN_STATUSES)
    elif status:
        incidents = incidents.filter(status=status)
    if severity:
        incidents = incidents.filter(severity__key__iexact=severity)
    if team:
        incidents = incidents.filter(team__slug=team)
    if service:
        incidents = incidents.filter(services__slug=service)
    if drill is not None:
        incidents = incidents.filter(drill=drill)
    if q:
        q = q.strip()
        match = Q(title__icontains=q) | Q(description__icontains=q) | Q(resolution__icontains=q)
        number = whole_number(q.upper().removeprefix("INC-"))
        if number is not None:
            match |= Q(pk=number)
        incidents = incidents.filter(match)
    open_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return incidents.distinct().order_by(open_first, "severity__rank", "-reported_at", "-id")


def incident_by_reference(reference: str | int) -> Incident | None:
    """INC-42, 42 or "42" → the incident, or None."""
    number = whole_number(str(reference).strip().upper().removeprefix("INC-"))
    if number is None:
        return None
    return (
        Incident.objects.select_related("severity", "team", "acknowledged_by", "resolved_by")
        .filter(pk=number)
        .first()
    )
