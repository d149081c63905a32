"""The incident page's "Drill" card: the drill run a drill incident belongs to, with a link to
its report for those who may see the team's drills (shown by `pages/`)."""

from tocsin.accounts.permissions import may_see_drills

from .models import DrillRun


def incident_drill_card(incident, user) -> dict:
    if not incident.drill:
        return {}
    run = DrillRun.objects.filter(incident=incident).select_related("team").first()
    if run is None:
        return {}
    return {"run": run, "may_see": may_see_drills(run.team, user)}
