"""The catalog every incident draws on: the severity ladder and the services."""

from ninja import Router, Schema

from tocsin.schemas import ERRORS, ServiceRef, TeamRef

from ..models import Service, Severity

router = Router()


class SeverityOut(Schema):
    key: str
    name: str
    rank: int
    description: str
    color: str
    pages_oncall: bool
    requires_postmortem: bool


class ServiceOut(ServiceRef):
    description: str
    team: TeamRef


@router.get("/severities", response={200: list[SeverityOut], **ERRORS}, tags=["catalog"])
def list_severities(request):
    """The severity ladder, most severe first."""
    return Severity.objects.order_by("rank")


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, tags=["catalog"])
def list_services(request):
    return Service.objects.select_related("team").order_by("name")
