"""REST endpoints of the situation report: the report (JSON or Markdown), regenerating it, and
the stakeholders of a team and of an incident. Thin: look up, call one service, serialize."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.errors import NotFound, ValidationFailed
from tocsin.incidents.api.shared import channel, incident_named
from tocsin.schemas import ERRORS, Input, UserRef

from . import services
from .models import SituationReport, Stakeholder

router = Router(tags=["situation reports"])


class SituationReportOut(Schema):
    incident: str = Field(description="The incident's reference, e.g. INC-12.")
    generation: int = Field(description="1 when first written; one more per regeneration.")
    generated_at: datetime
    generated_by: str | None
    drill: bool = Field(description="The report of a practice incident.")
    facts: dict = Field(
        description="The answers: reported_at, closed_at, response_seconds, "
        "resolution_seconds, roles, resolution, impact_who, impact_how, and the incident."
    )
    markdown: str

    @staticmethod
    def resolve_incident(report) -> str:
        return report.incident.reference

    @staticmethod
    def resolve_generated_by(report) -> str | None:
        return str(report.generated_by) if report.generated_by_id else None


class StakeholderOut(Schema):
    id: int
    user: str | None = Field(description="The person's e-mail address, for a person.")
    email: str = Field(description="Where the report goes.")

    @staticmethod
    def resolve_user(stakeholder) -> str | None:
        return stakeholder.user.email if stakeholder.user_id else None

    @staticmethod
    def resolve_email(stakeholder) -> str:
        return stakeholder.address


class StakeholderIn(Input):
    user: UserRef | None = Field(None, description="A person, by e-mail address or user id.")
    email: str | None = Field(None, description="Or any e-mail address.", max_length=254)


def _report(ref: str) -> SituationReport:
    incident = incident_named(ref)
    report = SituationReport.objects.filter(incident=incident).first()
    if report is None:
        raise NotFound(f"{incident.reference} has no situation report: it is written at resolution")
    report.incident = incident
    return report


def _who(payload: StakeholderIn) -> dict:
    if (payload.user is None) == (payload.email is None):
        raise ValidationFailed("name either a user or an e-mail address", field="email")
    if payload.user is not None:
        return {"user": user_by_reference(payload.user, field="user")}
    return {"email": payload.email}


def _stakeholder(queryset, stakeholder_id: int, where: str) -> Stakeholder:
    stakeholder = queryset.filter(pk=stakeholder_id).select_related("user").first()
    if stakeholder is None:
        raise NotFound(f"{where} has no stakeholder {stakeholder_id}")
    return stakeholder


@router.get("/incidents/{ref}/situation-report", response={200: SituationReportOut, **ERRORS})
def get_situation_report(request, ref: str):
    """Anyone signed in. 404 until the incident is resolved."""
    return _report(ref)


@router.get(
    "/incidents/{ref}/situation-report.md",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "Markdown", "content": {"text/markdown": {}}}}
    },
)
def get_situation_report_markdown(request, ref: str):
    """The report as Markdown, as it is e-mailed."""
    report = _report(ref)
    return HttpResponse(report.markdown, content_type="text/markdown; charset=utf-8")


@router.post(
    "/incidents/{ref}/situation-report/regenerate", response={200: SituationReportOut, **ERRORS}
)
def regenerate_situation_report(request, ref: str):
    """The commander, members of the team, admins: written again from the incident as it is
    now, and sent again to the stakeholders and chats as an update. 409 unless resolved."""
    incident = incident_named(ref)
    return services.regenerate(incident=incident, by=request.user, via=channel(request))


@router.get("/incidents/{ref}/stakeholders", response={200: list[StakeholderOut], **ERRORS})
def list_incident_stakeholders(request, ref: str):
    """This incident's own; the team's are at /teams/{slug}/stakeholders."""
    return list(Stakeholder.objects.filter(incident=incident_named(ref)).select_related("user"))


@router.post("/incidents/{ref}/stakeholders", response={201: StakeholderOut, **ERRORS})
def add_incident_stakeholder(request, ref: str, payload: StakeholderIn):
    """The commander, members of the team, admins. 409 if already listed."""
    stakeholder = services.add_incident_stakeholder(
        incident=incident_named(ref), by=request.user, via=channel(request), **_who(payload)
    )
    return Status(201, stakeholder)


@router.delete("/incidents/{ref}/stakeholders/{stakeholder_id}", response={204: None, **ERRORS})
def remove_incident_stakeholder(request, ref: str, stakeholder_id: int):
    incident = incident_named(ref)
    stakeholder = _stakeholder(
        Stakeholder.objects.filter(incident=incident), stakeholder_id, incident.reference
    )
    services.remove_stakeholder(stakeholder=stakeholder, by=request.user, via=channel(request))
    return Status(204, None)


@router.get("/teams/{slug}/stakeholders", response={200: list[StakeholderOut], **ERRORS})
def list_team_stakeholders(request, slug: str):
    """Who gets the situation report of every incident of the team."""
    return list(Stakeholder.objects.filter(team=team_by_slug(slug)).select_related("user"))


@router.post("/teams/{slug}/stakeholders", response={201: StakeholderOut, **ERRORS})
def add_team_stakeholder(request, slug: str, payload: StakeholderIn):
    """Admins and the team's leads. 409 if already listed."""
    stakeholder = services.add_team_stakeholder(
        team=team_by_slug(slug), by=request.user, **_who(payload)
    )
    return Status(201, stakeholder)


@router.delete("/teams/{slug}/stakeholders/{stakeholder_id}", response={204: None, **ERRORS})
def remove_team_stakeholder(request, slug: str, stakeholder_id: int):
    team = team_by_slug(slug)
    stakeholder = _stakeholder(Stakeholder.objects.filter(team=team), stakeholder_id, team.name)
    services.remove_stakeholder(stakeholder=stakeholder, by=request.user, via=channel(request))
    return Status(204, None)
