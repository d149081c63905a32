"""Reading schedules, escalation policies and pages back, to compare before and after."""

from tocsin.incidents.models import Event
from tocsin.notify.models import OutboxMessage, Purpose
from tocsin.oncall.escalation.models import EscalationPolicy
from tocsin.oncall.schedules.models import Layer, LayerParticipant, Override, Schedule


def schedule_rows() -> list[int]:
    """How many schedules, layers, participants and overrides there are."""
    return [model.objects.count() for model in (Schedule, Layer, LayerParticipant, Override)]


def policies_as_rows() -> list:
    """Every policy with its levels and targets, to compare before and after a refusal."""
    return [
        (
            policy.team_id,
            policy.name,
            policy.description,
            policy.repeat,
            [
                (
                    level.position,
                    level.delay,
                    [(t.kind, t.user_id, t.schedule_id) for t in level.targets.order_by("id")],
                )
                for level in policy.levels.order_by("position")
            ],
        )
        for policy in EscalationPolicy.objects.order_by("id")
    ]


def pages(incident) -> list[str]:
    """The incident's PAGE_SENT timeline messages, oldest first."""
    return list(
        incident.timeline.filter(kind=Event.PAGE_SENT)
        .order_by("at", "id")
        .values_list("message", flat=True)
    )


def paged_addresses() -> list[str]:
    """The address of every page in the outbox, in the order they were queued."""
    return list(
        OutboxMessage.objects.filter(purpose=Purpose.PAGE)
        .order_by("id")
        .values_list("address", flat=True)
    )
