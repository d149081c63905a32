"""Schedules: who is on call, in a time zone, as layers of rotations plus overrides.

A schedule's times are wall-clock times in its time zone; `selectors.py` turns them into
instants (see docs/on-call.md for what happens at daylight saving time changes).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tocsin.accounts.models import Team, User, validate_time_zone
from tocsin.tokens import derive_token, hash_token
from tocsin.tokens import new_salt as _new_salt  # named in migrations


class CalendarTokenMixin(models.Model):
    """A secret subscribe URL that needs no login; rotating it means a new salt."""

    TOKEN_PURPOSE = "calendar"

    calendar_salt = models.CharField(max_length=32, default=_new_salt, editable=False)
    calendar_token_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.calendar_token_hash = hash_token(self.calendar_token)
        super().save(*args, **kwargs)

    @property
    def calendar_token(self) -> str:
        return derive_token(self.TOKEN_PURPOSE, self.calendar_salt)


class Schedule(CalendarTokenMixin):
    TOKEN_PURPOSE = "schedule-calendar"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="Handoff times and restrictions are wall-clock times in this zone.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="schedule_name_unique_in_team"),
        ]

    def __str__(self) -> str:
        return self.name


class RotationUnit(models.TextChoices):
    HOURS = "hours", "Hours"
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"


class Layer(models.Model):
    """One rotation of a schedule; position 1 has the highest priority.

    The rotation starts at `handoff_time` on `start_date` (wall-clock, in the schedule's zone)
    and hands over every `rotation_length` `rotation_unit`s to the next participant. Outside its
    restriction window (weekdays in `restrict_days`, ISO numbers 1 = Monday … 7 = Sunday, empty
    for every day; local times `restrict_start`–`restrict_end`, which may cross midnight) the
    layer has nobody on call.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    position = models.PositiveIntegerField(help_text="1 is the highest priority.")
    name = models.CharField(max_length=100)
    rotation_length = models.PositiveIntegerField(default=1)
    rotation_unit = models.CharField(
        max_length=8, choices=RotationUnit.choices, default=RotationUnit.WEEKS
    )
    handoff_time = models.TimeField()
    start_date = models.DateField()
    restrict_days = models.JSONField(default=list, blank=True)
    restrict_start = models.TimeField(null=True, blank=True)
    restrict_end = models.TimeField(null=True, blank=True)
    participants = models.ManyToManyField(
        User, through="LayerParticipant", related_name="schedule_layers"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["schedule", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "position"], name="layer_position_unique_in_schedule"
            ),
            models.CheckConstraint(
                condition=Q(rotation_length__gte=1), name="layer_rotation_length_positive"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="layer_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule}: {self.name}"

    @property
    def is_restricted(self) -> bool:
        return bool(self.restrict_days) or bool(self.restrict_start or self.restrict_end)


class LayerParticipant(models.Model):
    """A person's turn in a rotation; the same person may take several turns."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="turns")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["layer", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "position"], name="layer_participant_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} (turn {self.position} of {self.layer})"


class Override(models.Model):
    """Someone on call instead of whatever the layers say, from one instant to another."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="schedule_overrides")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["schedule", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="override_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["schedule", "ends_at"], name="override_schedule_end")]

    def __str__(self) -> str:
        return f"{self.user} on {self.schedule} from {self.starts_at:%Y-%m-%d %H:%M} UTC"


class PersonalCalendar(CalendarTokenMixin):
    """The secret subscribe URL of one person's own on-call shifts across every schedule."""

    TOKEN_PURPOSE = "personal-calendar"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="oncall_calendar")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"On-call calendar of {self.user}"
