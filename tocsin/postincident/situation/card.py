"""The incident page's "Situation report" card: the report, and who may regenerate it."""

from tocsin.accounts.permissions import may_manage_team, may_regenerate_situation_report
from tocsin.incidents.models import Incident, Status
from tocsin.statuspage.markdown import render

from .models import SituationReport
from .sending import stakeholders_of


def situation_card(incident: Incident, user) -> dict:
    report = SituationReport.objects.filter(incident=incident).first()
    return {
        "report": report,
        "html": render(report.markdown) if report else "",
        "may_regenerate": incident.status == Status.RESOLVED
        and may_regenerate_situation_report(incident, user),
        "may_manage_stakeholders": may_regenerate_situation_report(incident, user),
        "may_manage_team_stakeholders": may_manage_team(incident.team, user),
        "stakeholders": list(stakeholders_of(incident)),
    }
