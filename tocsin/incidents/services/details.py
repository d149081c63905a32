"""What an incident says about itself: severity, title and impact, notes."""

from collections.abc import Iterable

from django.db import transaction

from tocsin.accounts.models import User
from tocsin.accounts.permissions import (
    ensure_works_incident,
)
from tocsin.errors import InvalidTransition, ValidationFailed

from ..models import (
    Event,
    Incident,
    Service,
    Severity,
    TimelineEvent,
)
from .timeline import clean_text, label, locked, record


def change_severity(*, incident: Incident, severity: Severity, by: User, via: str) -> Incident:
    with transaction.atomic():
        incident = locked(incident)
        ensure_works_incident(incident, by, action="change its severity")
        if not incident.is_open:
            raise InvalidTransition(
                f"{incident.reference} is {label(incident.status)}; reopen it to change severity",
                field="status",
            )
        before = incident.severity
        if before.pk == severity.pk:
            return incident
        incident.severity = severity
        incident.save(update_fields=["severity", "updated_at"])
        direction = "raised" if severity.rank < before.rank else "lowered"
        record(
            incident,
            Event.SEVERITY_CHANGED,
            actor=by,
            via=via,
            message=f"Severity {direction} from {before} to {severity}",
            data={"from": before.key, "to": severity.key},
        )
    return incident


EDITABLE_DETAILS = ("title", "description", "impact_who", "impact_how")


def update_details(
    *,
    incident: Incident,
    by: User,
    via: str,
    services: Iterable[Service] | None = None,
    **changes: str,
) -> Incident:
    """Edit title, description, impact or services; unchanged fields write nothing."""
    unknown = set(changes) - set(EDITABLE_DETAILS)
    if unknown:
        raise ValidationFailed(
            f"cannot edit {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    with transaction.atomic():
        incident = locked(incident)
        ensure_works_incident(incident, by, action="edit it")
        changed = []
        for field, value in changes.items():
            if value is None:
                continue
            value = clean_text(
                value,
                field=field,
                required=field == "title",
                max_length=200 if field == "title" else 10_000,
            )
            if getattr(incident, field) != value:
                setattr(incident, field, value)
                changed.append(field)
        if changed:
            incident.save(update_fields=[*changed, "updated_at"])
        if services is not None:
            services = list(services)
            if {s.pk for s in services} != set(incident.services.values_list("pk", flat=True)):
                incident.services.set(services)
                changed.append("services")
        if changed:
            names = ", ".join(f.replace("_", " ") for f in changed)
            record(
                incident,
                Event.UPDATED,
                actor=by,
                via=via,
                message=f"{by} updated {names}",
                data={"fields": changed},
            )
    return incident


def add_note(*, incident: Incident, by: User, via: str, text: str) -> TimelineEvent:
    """A note on the timeline, by someone who may work the incident (members of its team,
    people holding a role on it, admins)."""
    text = clean_text(text, field="text", required=True)
    ensure_works_incident(incident, by, action="add a note")
    with transaction.atomic():
        incident = locked(incident)
        return record(incident, Event.NOTE, actor=by, via=via, message=text)
