"""Every write of the situation report: writing it (at resolution, or again on request) and
choosing its stakeholders. One transaction each, with the incident's timeline event."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import (
    ensure_manages_team,
    ensure_may_regenerate_situation_report,
)
from tocsin.errors import Conflict, ValidationFailed
from tocsin.incidents.models import Channel, Event, Incident, Status
from tocsin.incidents.services import record
from tocsin.incidents.services.timeline import locked

from . import sending
from .facts import facts_of, markdown_of
from .models import SituationReport, Stakeholder


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def write_report(*, incident: Incident, by: User | None, via: str) -> SituationReport:
    """Write (or rewrite) the report of a resolved incident and queue it to its stakeholders
    and chats, inside the caller's transaction (the resolution's, or `regenerate`'s)."""
    facts = facts_of(incident)
    report = SituationReport.objects.filter(incident=incident).first()
    generation = report.generation + 1 if report else 1
    values = {
        "generation": generation,
        "facts": facts,
        "markdown": markdown_of(facts, generation=generation),
        "drill": incident.drill,
        "generated_at": timezone.now(),
        "generated_by": by,
    }
    if report is None:
        report = SituationReport.objects.create(incident=incident, **values)
    else:
        for field, value in values.items():
            setattr(report, field, value)
        report.save()
    report.incident = incident
    verb = "generated" if generation == 1 else f"regenerated (version {generation})"
    record(
        incident,
        Event.SITUATION_REPORT,
        actor=by,
        via=via,
        message=f"Situation report {verb}",
        data={"situation_report": report.pk, "generation": generation, "drill": report.drill},
    )
    emails = sending.mail_the_stakeholders(report)
    chats = sending.reply_in_the_threads(report)
    if emails or chats:
        record(
            incident,
            Event.SITUATION_REPORT,
            actor=by,
            via=via,
            message=(
                f"Situation report sent to {_plural(len(emails), 'stakeholder')} "
                f"and {_plural(len(chats), 'chat')}"
            ),
            data={
                "situation_report": report.pk,
                "generation": generation,
                "emails": [message.pk for message in emails],
                "chats": [message.pk for message in chats],
            },
        )
    return report


def regenerate(*, incident: Incident, by: User, via: str = Channel.WEB) -> SituationReport:
    """Write the report again from the incident as it is now (after an edit), and send it as
    an update."""
    with transaction.atomic():
        incident = locked(incident)
        ensure_may_regenerate_situation_report(incident, by)
        if incident.status != Status.RESOLVED:
            raise Conflict(
                f"{incident.reference} is {incident.get_status_display().lower()}: a situation "
                "report is written once an incident is resolved",
                field="status",
            )
        return write_report(incident=incident, by=by, via=via)


# ---------------------------------------------------------------------------------------------
# Stakeholders


def _address(email: str) -> str:
    address = (email or "").strip().lower()
    if "\x00" in address or len(address) > 254:
        raise ValidationFailed(f"{email!r} is not an e-mail address", field="email")
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(f"{email!r} is not an e-mail address", field="email") from None
    return address


def _new_stakeholder(existing, *, user: User | None, email: str, where: str) -> dict:
    """The person or the address, checked: exactly one of them, and not listed already."""
    if (user is None) == (not (email or "").strip()):
        raise ValidationFailed("name either a person or an e-mail address", field="email")
    address = user.email.lower() if user is not None else _address(email)
    for stakeholder in existing.select_related("user"):
        if stakeholder.address == address:
            raise Conflict(f"{address} is already a stakeholder of {where}", field="email")
    return {"user": user} if user is not None else {"email": address}


def add_team_stakeholder(
    *, team: Team, by: User, user: User | None = None, email: str = ""
) -> Stakeholder:
    """Someone who gets the situation report of every incident of `team`."""
    with transaction.atomic():
        ensure_manages_team(team, by, action="change its stakeholders")
        existing = Stakeholder.objects.filter(team=team)
        who = _new_stakeholder(existing, user=user, email=email, where=team.name)
        return Stakeholder.objects.create(team=team, added_by=by, **who)


def add_incident_stakeholder(
    *, incident: Incident, by: User, via: str, user: User | None = None, email: str = ""
) -> Stakeholder:
    """Someone who gets this incident's situation report, besides the team's stakeholders."""
    with transaction.atomic():
        incident = locked(incident)
        ensure_may_regenerate_situation_report(incident, by, action="add stakeholders")
        existing = Stakeholder.objects.filter(incident=incident)
        who = _new_stakeholder(existing, user=user, email=email, where=incident.reference)
        stakeholder = Stakeholder.objects.create(incident=incident, added_by=by, **who)
        record(
            incident,
            Event.SITUATION_REPORT,
            actor=by,
            via=via,
            message=f"{stakeholder} will get the situation report",
            data={"stakeholder_added": stakeholder.pk},
        )
        return stakeholder


def remove_stakeholder(*, stakeholder: Stakeholder, by: User, via: str = Channel.WEB) -> None:
    """Take someone off a team's or an incident's list; what was already sent stays sent."""
    with transaction.atomic():
        if stakeholder.team_id:
            ensure_manages_team(stakeholder.team, by, action="change its stakeholders")
            stakeholder.delete()
            return
        incident = locked(stakeholder.incident)
        ensure_may_regenerate_situation_report(incident, by, action="remove stakeholders")
        name = str(stakeholder)
        stakeholder.delete()
        record(
            incident,
            Event.SITUATION_REPORT,
            actor=by,
            via=via,
            message=f"{name} will no longer get the situation report",
            data={"stakeholder_removed": name},
        )
