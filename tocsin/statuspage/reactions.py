"""The status page follows incidents: registered in apps.py, listed in
tocsin/incidents/reactions.py."""

import logging
from collections import defaultdict

from django.db import transaction

from tocsin.errors import DomainError
from tocsin.incidents.models import Channel, Incident, Source, TimelineEvent

from .models import COMPONENT_STATUS_RANK, ComponentStatus, IncidentStatus, PublicIncident
from .selectors import proposal_for
from .services.incidents import _publish

logger = logging.getLogger(__name__)

AUTOMATION = "Status page automation"


def publish_automatically(incident: Incident, event: TimelineEvent) -> None:
    """Opened from an alert: components that opted in publish their proposed status themselves."""
    if incident.source != Source.ALERT or incident.drill:
        return
    by_page = defaultdict(dict)
    for component, status in proposal_for(incident):
        if component.automatic and component.automatic_message:
            by_page[component.page][component] = status
    for page, wanted in by_page.items():
        if PublicIncident.objects.filter(page=page, incident=incident).exists():
            continue
        try:
            # A savepoint: whatever goes wrong here must not lose the alert's incident.
            with transaction.atomic():
                _publish(
                    page=page,
                    by=None,
                    name=automatic_name(wanted),
                    status=IncidentStatus.INVESTIGATING,
                    body="\n\n".join(dict.fromkeys(c.automatic_message for c in wanted)),
                    wanted=wanted,
                    incident=incident,
                    display_at=None,
                    impact_override="",
                    draft=False,
                    notify=True,
                    via=Channel.SYSTEM,
                    system=AUTOMATION,
                )
        except DomainError as error:
            logger.warning("%s not published on %s: %s", incident.reference, page, error.message)


def automatic_name(wanted: dict) -> str:
    """ "Major outage of Checkout", "Partial outage of API and Web": nothing internal."""
    worst = max(wanted.values(), key=lambda status: COMPONENT_STATUS_RANK[ComponentStatus(status)])
    names = [component.name for component in wanted]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    name = f"{ComponentStatus(worst).label} of {joined}"
    return name if len(name) <= 200 else name[:199] + "…"
