"""Reads of action items that several pages and the API share."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from tocsin.runbooks.selectors import alert_name, runbook_for

from .models import OPEN_STATUSES, ActionItem, ActionKind


def with_relations(items: QuerySet) -> QuerySet:
    return items.select_related("incident__team", "owner", "runbook", "postmortem", "created_by")


def overdue_first(items: QuerySet) -> QuerySet:
    """Overdue first (oldest due first), then by due date."""
    today = timezone.now().date()
    return items.annotate(
        overdue_rank=Case(
            When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("overdue_rank", "due_on", "id")


def open_items_of(user) -> QuerySet:
    return overdue_first(
        with_relations(ActionItem.objects.filter(owner=user, status__in=OPEN_STATUSES))
    )


def created_by(user) -> QuerySet:
    return with_relations(ActionItem.objects.filter(created_by=user)).order_by("-created_at", "-id")


def open_items_of_team(team) -> QuerySet:
    return overdue_first(
        with_relations(ActionItem.objects.filter(incident__team=team, status__in=OPEN_STATUSES))
    )


def items_of_postmortem(postmortem) -> QuerySet:
    return with_relations(ActionItem.objects.filter(incident_id=postmortem.incident_id)).order_by(
        "created_at", "id"
    )


def alerts_without_runbook(incident) -> list[str]:
    """The names of the incident's alerts when no runbook was found for it, each once."""
    from tocsin.alerting.models import Alert

    if runbook_for(incident).runbook is not None:
        return []
    alerts = Alert.objects.filter(incident=incident).order_by("first_seen_at", "id")
    return list(dict.fromkeys(name for name in map(alert_name, alerts) if name))


def runbook_suggestions(incident) -> list[str]:
    """Alert names without runbook and without an "Add runbook" action item already."""
    asked = set(
        ActionItem.objects.filter(incident=incident, kind=ActionKind.ADD_RUNBOOK).values_list(
            "title", flat=True
        )
    )
    return [
        name for name in alerts_without_runbook(incident) if add_runbook_title(name) not in asked
    ]


def add_runbook_title(name: str) -> str:
    return f"Add a runbook for {name}"[:200]
