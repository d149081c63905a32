"""Reads of incidents that several callers share."""

from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When

from tocsin.validation import whole_number

from .models import OPEN_STATUSES, Incident, Status

# The list page's tabs: incidents the person is in, their teams' incidents, every incident.
SCOPES = ("mine", "teams", "all")


def incidents_matching(
    *,
    status: str | None = None,
    severity: str | None = None,
    team: str | None = None,
    service: str | None = None,
    drill: bool | None = None,
    q: str | None = None,
    scope: str | None = None,
    person=None,
) -> QuerySet[Incident]:
    """Incidents filtered as the list page and the API filter them: open first, newest first.

    `status` is a status value, or "open" / "closed"; `severity` a key such as P1; `team` and
    `service` are slugs; `q` searches the reference, title, description and resolution;
    `scope` "mine" or "teams" keeps `person`'s own incidents or their teams' (`in_scope`).
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
    if scope and person is not None:
        incidents = in_scope(incidents, scope, person)
    open_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return incidents.distinct().order_by(open_first, "severity__rank", "-reported_at", "-id")


def in_scope(incidents: QuerySet[Incident], scope: str, person) -> QuerySet[Incident]:
    """ "mine": what `person` owns, declared or holds a role on; "teams": their teams' incidents;
    anything else: all of them."""
    if scope == "mine":
        return incidents.filter(
            Q(acknowledged_by=person)
            | Q(reported_by=person)
            | Q(role_assignments__user=person, role_assignments__ended_at__isnull=True)
        )
    if scope == "teams":
        return incidents.filter(team__memberships__user=person)
    return incidents


def default_scope(person) -> str:
    """The list opens on the person's teams' incidents, or on all of them if they have none."""
    return "teams" if person.memberships.exists() else "all"


def needing_a_human_first(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """The list page's order: unacknowledged (triggered), then being worked on, then closed;
    in each, most severe first; open ones longest waiting first, closed ones newest first."""
    stage = Case(
        When(status=Status.TRIGGERED, then=Value(0)),
        When(status__in=OPEN_STATUSES, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    waiting_since = Case(
        When(status__in=OPEN_STATUSES, then=F("reported_at")),
        default=None,
        output_field=DateTimeField(),
    )
    return incidents.order_by(
        stage, "severity__rank", waiting_since.asc(nulls_last=True), "-reported_at", "-id"
    )


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
