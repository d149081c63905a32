"""The urgency matrix (scope × criticality → urgency) and the escalation mappings (urgency →
severity, classification → team): the defaults below, and the cells an admin changed."""

from tocsin.incidents.models import Severity

from .models import ClassificationTeam, Criticality, Scope, UrgencyCell, UrgencySeverity

# The wider the scope and the harder the block, the more urgent: rows from everyone to one
# person, columns from the whole application blocked to a feature misbehaving.
DEFAULT_MATRIX = {
    Scope.ALL: (1, 1, 2),
    Scope.ALL_USERS: (1, 2, 3),
    Scope.ALL_ADMINS: (1, 2, 3),
    Scope.USERS: (2, 2, 3),
    Scope.ADMINS: (2, 2, 3),
    Scope.S_USER: (2, 3, 4),
    Scope.S_ADMIN: (2, 3, 4),
}
COLUMNS = [Criticality.ALLBLOCK, Criticality.FBLOCK, Criticality.FBEHAV]


def default_urgency(scope: str, criticality: str) -> int:
    return DEFAULT_MATRIX[Scope(scope)][COLUMNS.index(Criticality(criticality))]


def matrix() -> dict[tuple[str, str], int]:
    """Every cell: (scope, criticality) → urgency, the admins' changes over the defaults."""
    cells = {
        (scope.value, criticality.value): default_urgency(scope, criticality)
        for scope in Scope
        for criticality in Criticality
    }
    for cell in UrgencyCell.objects.all():
        cells[(cell.scope, cell.criticality)] = cell.urgency
    return cells


def urgency_for(scope: str, criticality: str) -> int:
    cell = UrgencyCell.objects.filter(scope=scope, criticality=criticality).first()
    return cell.urgency if cell else default_urgency(scope, criticality)


def severity_for(urgency: int) -> Severity:
    """The mapped severity, else the ladder's rung of the same number (U1 → the first, P1),
    else its last rung."""
    mapped = UrgencySeverity.objects.filter(urgency=urgency).select_related("severity").first()
    if mapped is not None:
        return mapped.severity
    ladder = list(Severity.objects.order_by("rank"))
    return ladder[min(urgency, len(ladder)) - 1]


def team_for(ticket):
    """The team mapped to the ticket's classification, else the ticket's own team."""
    if ticket.classification:
        mapped = (
            ClassificationTeam.objects.filter(classification=ticket.classification)
            .select_related("team")
            .first()
        )
        if mapped is not None:
            return mapped.team
    return ticket.team
