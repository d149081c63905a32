"""An incident's timeline: what happened, oldest first, and the notes people add to it."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Router, Schema, Status

from tocsin.schemas import ERRORS, Input, UserOut

from .. import services
from ..models import Event
from .shared import channel, incident_named

router = Router()

TimelineKind = Literal[tuple(Event.values)]


class TimelineEventOut(Schema):
    id: int
    at: datetime
    kind: TimelineKind = Field(
        description="What happened. `escalation` and `retriggered` are written by the "
        'escalation engine (actor null, actor_name "Escalation"); `note` is always a person\'s.'
    )
    actor: UserOut | None = Field(description="The person who acted; null for Tocsin itself.")
    actor_name: str
    via: str
    message: str
    data: dict[str, Any]


class NoteIn(Input):
    text: str


@router.post("/incidents/{ref}/notes", response={201: TimelineEventOut, **ERRORS})
def add_note(request, ref: str, payload: NoteIn):
    event = services.add_note(
        incident=incident_named(ref), by=request.user, via=channel(request), text=payload.text
    )
    return Status(201, event)


@router.get("/incidents/{ref}/timeline", response={200: list[TimelineEventOut], **ERRORS})
def timeline(request, ref: str):
    """Everything that happened, oldest first."""
    return incident_named(ref).timeline.select_related("actor").order_by("at", "id")
