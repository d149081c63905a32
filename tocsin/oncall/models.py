"""The models Django loads for the on-call app: those of its two rooms, schedules/ and
escalation/ (escalation builds on schedules, never the other way round)."""

from .escalation.models import (  # noqa: F401
    AcknowledgementTimer,
    EscalationLevel,
    EscalationPolicy,
    EscalationRun,
    LevelTarget,
    NotificationRule,
    PageStep,
    RunState,
    StepState,
    TargetKind,
)
from .schedules.models import (  # noqa: F401
    CalendarTokenMixin,
    Layer,
    LayerParticipant,
    Override,
    PersonalCalendar,
    RotationUnit,
    Schedule,
    _new_salt,  # named in migrations
)
