"""The incident page's "Runbook" card: the incident's runbook as a checklist of its steps, who
ticked each and when, and whether this person may tick the rest (plain forms, no script)."""

from tocsin.accounts.permissions import may_work_incident
from tocsin.alerting.views.shared import safe_href

from .models import StepTick
from .selectors import runbook_for
from .steps import steps_of


def incident_runbook_card(incident, user) -> dict:
    found = runbook_for(incident)
    card = {
        "runbook": found.runbook,
        "why": found.why,
        "external_url": safe_href(found.external_url),
    }
    if found.runbook is None:
        return card
    ticks = {
        tick.step: tick
        for tick in StepTick.objects.filter(incident=incident, runbook=found.runbook)
    }
    steps = steps_of(found.runbook.body)
    card.update(
        steps=[{"step": step, "tick": ticks.get(step.number)} for step in steps],
        done=sum(1 for step in steps if step.number in ticks),
        may_tick=incident.is_open and may_work_incident(incident, user),
    )
    return card
