"""The status each severity proposes for the components of an incident's services."""

from ninja import Field, Router, Schema

from tocsin.incidents.api import severity_by_key
from tocsin.incidents.models import Severity
from tocsin.schemas import ERRORS, Input

from .. import services
from ..models import ProposedStatus

router = Router()


class ProposalOut(Schema):
    severity: str
    status: str | None = Field(description="null: the severity proposes nothing.")


class ProposalIn(Input):
    status: str | None = Field(
        description="degraded_performance, partial_outage, major_outage; null: nothing."
    )


def _table() -> list[dict]:
    proposed = dict(ProposedStatus.objects.values_list("severity_id", "status"))
    return [
        {"severity": severity.key, "status": proposed.get(severity.pk)}
        for severity in Severity.objects.order_by("rank")
    ]


@router.get("/status/proposed-statuses", response={200: list[ProposalOut], **ERRORS})
def list_proposed_statuses(request):
    """Every severity, in rank order."""
    return _table()


@router.put("/status/proposed-statuses/{severity}", response={200: ProposalOut, **ERRORS})
def set_proposed_status(request, severity: str, payload: ProposalIn):
    """Admins."""
    found = severity_by_key(severity)
    services.set_proposed_status(severity=found, status=payload.status, by=request.user)
    return next(row for row in _table() if row["severity"] == found.key)
