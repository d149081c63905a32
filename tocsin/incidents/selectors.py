"""Reads of incidents that several callers share."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from tocsin.validation import whole_number

from .models import OPEN_STATUSES, Incident, RoleAssignment, Severity, Status

# The list page's tabs: incidents the person is in, their teams' incidents, every incident.
SCOPES = ("mine", "teams", "all")

# Lists count the incidents they hold up to this many; beyond it they say "more than".
COUNT_CAP = 10_000

# The conditions of the partial indexes (models.Incident.Meta), in literal SQL: SQLite uses a
# partial index only for a query that carries its condition with the same constants, not with
# bound parameters.
_OPEN_SQL = '"incidents_incident"."status" IN ({})'.format(
    ", ".join(f"'{status}'" for status in OPEN_STATUSES)
)
OPEN = RawSQL(_OPEN_SQL, (), output_field=BooleanField())
CLOSED = RawSQL(f"NOT ({_OPEN_SQL})", (), output_field=BooleanField())


def incidents_filtered(
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
    """The incidents the filters keep, in no order and without related rows (see
    `incidents_matching` for the arguments)."""
    incidents = Incident.objects.all()
    if status == "open":
        incidents = incidents.filter(OPEN)
    elif status == "closed":
        incidents = incidents.filter(CLOSED)
    elif status:
        incidents = incidents.filter(status=status)
    if severity:
        # By id rather than through a join, so the list's indexes on severity serve.
        keyed = Severity.objects.filter(key__iexact=severity)
        incidents = incidents.filter(severity_id__in=keyed.values("pk"))
    if team:
        incidents = incidents.filter(team__slug=team)
    if service:
        # A subquery rather than a join, so no incident is listed twice and no DISTINCT is
        # needed over the whole list.
        tagged = Incident.services.through.objects.filter(service__slug=service)
        incidents = incidents.filter(pk__in=tagged.values("incident_id"))
    if drill is not None:
        incidents = incidents.filter(drill=drill)
    if q:
        incidents = incidents.filter(_search(q))
    if scope and person is not None:
        incidents = in_scope(incidents, scope, person)
    return incidents


def _search(q: str) -> Q:
    """A reference or number finds that incident; any text is looked for in the title,
    description and resolution (on PostgreSQL helped by trigram indexes, see migration 0013)."""
    q = q.strip()
    match = Q(title__icontains=q) | Q(description__icontains=q) | Q(resolution__icontains=q)
    number = whole_number(q.upper().removeprefix("INC-"))
    if number is not None:
        match |= Q(pk=number)
    return match


def with_related(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """The rows a list of incidents shows beside each incident."""
    return incidents.select_related(
        "severity", "team", "acknowledged_by", "resolved_by", "reported_by"
    ).prefetch_related("services")


def incidents_matching(**filters) -> QuerySet[Incident]:
    """Incidents filtered as the list page and the API filter them: open first, newest first.

    `status` is a status value, or "open" / "closed"; `severity` a key such as P1; `team` and
    `service` are slugs; `q` searches the reference, title, description and resolution;
    `scope` "mine" or "teams" keeps `person`'s own incidents or their teams' (`in_scope`).
    """
    return open_first(with_related(incidents_filtered(**filters)))


def open_first(incidents: QuerySet[Incident], rank=None) -> QuerySet[Incident]:
    """The API's order: open incidents, then closed ones; in each, most severe first, then
    newest first. `rank` may stand in for the severity's rank (`rank_of`)."""
    stage = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return incidents.order_by(stage, rank or "severity__rank", "-reported_at", "-id")


def in_scope(incidents: QuerySet[Incident], scope: str, person) -> QuerySet[Incident]:
    """ "mine": what `person` owns, declared or holds a role on; "teams": their teams' incidents;
    anything else: all of them."""
    if scope == "mine":
        roles = RoleAssignment.objects.filter(user=person, ended_at__isnull=True)
        return incidents.filter(
            Q(acknowledged_by=person)
            | Q(reported_by=person)
            | Q(pk__in=roles.values("incident_id"))
        )
    if scope == "teams":
        return incidents.filter(team_id__in=person.memberships.values("team_id"))
    return incidents


def default_scope(person) -> str:
    """The list opens on the person's teams' incidents, or on all of them if they have none."""
    return "teams" if person.memberships.exists() else "all"


def needing_a_human_first(incidents: QuerySet[Incident], rank=None) -> QuerySet[Incident]:
    """The list page's order: unacknowledged (triggered), then being worked on, then closed;
    in each, most severe first; open ones longest waiting first, closed ones newest first.
    `rank` may stand in for the severity's rank (`rank_of`)."""
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
        stage, rank or "severity__rank", waiting_since.asc(nulls_last=True), "-reported_at", "-id"
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


# ---------------------------------------------------------------------------------------------
# Pages of a long list
#
# Both orders above put the open incidents first and then the closed ones by severity, newest
# first. The open ones are few and sorted whole; the closed ones, nearly all of a long list,
# are read severity by severity along the index `incident_closed_by_severity` (severity,
# reported_at, id), so a page costs the rows it shows rather than a sort of every incident.
# A search reads its matches once instead, sorted by the database, up to COUNT_CAP of them.
# A cursor says where a page ended: "o.<n>" after the n-th open incident,
# "c.<severity id>.<reported_at in microseconds since 1970>.<id>" after a closed one, or, in a
# search, "p.<n>" after its n-th incident.

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ORDERS = {"needing_a_human_first": needing_a_human_first, "open_first": open_first}


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class Cursor:
    position: int | None = None
    open_offset: int | None = None
    severity_id: int | None = None
    reported_at: datetime | None = None
    id: int | None = None

    def __str__(self) -> str:
        if self.position is not None:
            return f"p.{self.position}"
        if self.open_offset is not None:
            return f"o.{self.open_offset}"
        return f"c.{self.severity_id}.{_micros(self.reported_at)}.{self.id}"


def parse_cursor(text: str) -> Cursor | None:
    """The cursor a page gave out, or None for anything else."""
    kind, *parts = text.strip().split(".")
    if kind in ("o", "p") and len(parts) == 1 and (offset := whole_number(parts[0])) is not None:
        return Cursor(open_offset=offset) if kind == "o" else Cursor(position=offset)
    if kind != "c" or len(parts) != 3:
        return None
    severity_id, pk = whole_number(parts[0]), whole_number(parts[2])
    negative = parts[1].startswith("-")
    micros = whole_number(parts[1].removeprefix("-"))
    if severity_id is None or pk is None or micros is None:
        return None
    try:
        reported_at = EPOCH + timedelta(microseconds=-micros if negative else micros)
    except OverflowError:
        return None
    return Cursor(severity_id=severity_id, reported_at=reported_at, id=pk)


@dataclass
class ListPage:
    items: list[Incident]
    count: int  # exact up to COUNT_CAP; COUNT_CAP when there are more
    count_is_exact: bool
    next_cursor: str | None


def capped_count(incidents: QuerySet[Incident]) -> tuple[int, bool]:
    """How many incidents there are, counting no further than COUNT_CAP; and whether that
    is all of them."""
    counted = incidents.order_by().values("pk")[: COUNT_CAP + 1].count()
    return min(counted, COUNT_CAP), counted <= COUNT_CAP


def rank_of(severities: list[tuple[int, int]]):
    """The severity's rank without joining its table: [(id, rank)] → an expression."""
    whens = [When(severity_id=pk, then=Value(rank)) for pk, rank in severities]
    return Case(*whens, default=Value(0), output_field=IntegerField()) if whens else Value(0)


def list_page(
    incidents: QuerySet[Incident],
    *,
    order: str,
    limit: int,
    offset: int = 0,
    after: Cursor | None = None,
    search: bool = False,
    load: Callable[[QuerySet], QuerySet] = with_related,
) -> ListPage:
    """`limit` incidents of `incidents` (filtered; their order and related rows are left
    aside) in `order` (a name in ORDERS) from `offset`, or after the cursor `after`.
    `search`: the filters include a text search, which is cheaper read once than along the
    index."""
    incidents = incidents.order_by().select_related(None).prefetch_related(None)
    severities = list(Severity.objects.order_by("rank").values_list("pk", "rank"))
    if search:
        found, count, exact = _read_once(incidents, order, severities, limit, offset, after)
    elif after is not None and after.position is not None:
        count, exact = capped_count(incidents)
        found = _read_along(incidents, order, severities, limit, after.position, None, count, exact)
    else:
        count, exact = capped_count(incidents)
        found = _read_along(incidents, order, severities, limit, offset, after, count, exact)
    shown = found[:limit]
    by_pk = load(Incident.objects.filter(pk__in=[pk for pk, _ in shown])).in_bulk()
    return ListPage(
        items=[by_pk[pk] for pk, _ in shown if pk in by_pk],
        count=count,
        count_is_exact=exact,
        next_cursor=str(shown[-1][1]) if len(found) > limit else None,
    )


def _read_along(incidents, order, severities, limit, offset, after, count, exact):
    """[(pk, cursor after it)] for the page and one more: the open incidents sorted, then the
    closed ones severity by severity along the index."""
    want = limit + 1  # one more than shown says whether there is a next page
    found: list[tuple[int, Cursor]] = []
    # Where the page starts is known when it starts at an offset: then a list counted exactly
    # is read no further than its end.
    position = None if after is not None else offset

    def complete() -> bool:
        return len(found) >= want or (
            exact and position is not None and position + len(found) >= count
        )

    if after is None or after.open_offset is not None:
        start = after.open_offset if after is not None else offset
        opened = ORDERS[order](incidents.filter(OPEN), rank=rank_of(severities)).values_list(
            "pk", flat=True
        )
        rows = list(opened[start : start + want])
        found += [(pk, Cursor(open_offset=start + n + 1)) for n, pk in enumerate(rows)]
        if after is None:
            offset = 0 if rows else max(offset - opened.count(), 0)
    ids = [pk for pk, _ in severities]
    if after is not None and after.severity_id is not None:
        # After a severity removed since, nothing is known to follow.
        ids = ids[ids.index(after.severity_id) :] if after.severity_id in ids else []
    for severity_id in ids:
        if complete():
            break
        closed = incidents.filter(CLOSED, severity_id=severity_id)
        if after is not None and after.severity_id == severity_id:
            closed = closed.filter(
                Q(reported_at__lt=after.reported_at)
                | Q(reported_at=after.reported_at, id__lt=after.id),
                reported_at__lte=after.reported_at,
            )
        if offset:
            here = closed.order_by().values("pk")[:offset].count()
            if here < offset:
                offset -= here
                continue
        newest = closed.order_by("-reported_at", "-id").values_list("pk", "reported_at")
        rows = list(newest[offset : offset + want - len(found)])
        offset = 0
        found += [(pk, Cursor(severity_id=severity_id, reported_at=at, id=pk)) for pk, at in rows]
    return found


def _read_once(incidents, order, severities, limit, offset, after):
    """([(pk, cursor after it)] for the page and one more, count, exact) from one read of up
    to COUNT_CAP + 1 matches sorted by the database; past COUNT_CAP, or after a cursor of the
    index, the page is read along the index."""
    ordered = ORDERS[order](incidents, rank=rank_of(severities))
    rows = list(ordered.values_list("pk", flat=True)[: COUNT_CAP + 1])
    count, exact = min(len(rows), COUNT_CAP), len(rows) <= COUNT_CAP
    if not exact or (after is not None and after.position is None):
        return _read_along(incidents, order, severities, limit, offset, after, count, exact)
    start = after.position if after is not None else offset
    page = rows[start : start + limit + 1]
    return [(pk, Cursor(position=n + 1)) for n, pk in enumerate(page, start=start)], count, exact
