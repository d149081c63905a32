"""Forms for the schedule pages: they parse input; the services decide what is allowed."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms

from tocsin.accounts.forms import time_zone_choices
from tocsin.accounts.models import Team, User

from .models import RotationUnit
from .selectors import to_instant

WEEKDAY_CHOICES = [
    (1, "Mon"),
    (2, "Tue"),
    (3, "Wed"),
    (4, "Thu"),
    (5, "Fri"),
    (6, "Sat"),
    (7, "Sun"),
]
WALL_CLOCK_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class WallClockField(forms.Field):
    """A date and time typed as the clock in the schedule's zone shows it; cleans to an instant.

    Django's own field would read it in the viewer's zone and refuse the hour a DST change
    skips; here a skipped time moves forward, as everywhere in schedules.
    """

    widget = DateTimeLocalInput

    def __init__(self, *, zone: ZoneInfo | None = None, **kwargs):
        self.zone = zone
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None and self.zone is not None:
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        for pattern in WALL_CLOCK_FORMATS:
            try:
                wall = datetime.strptime(text, pattern)
            except ValueError:
                continue
            return to_instant(wall, self.zone)
        raise forms.ValidationError("Enter a date and a time, e.g. 2026-11-27 18:00.")


class ScheduleForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        empty_label="Choose a team",
        help_text="Admins and the team's leads manage its schedules.",
    )
    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "e.g. Payments primary"})
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        help_text="Handoffs happen at the same wall-clock time in this zone, also across "
        "daylight saving time changes.",
    )
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, teams=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["team"]
        else:
            self.fields["team"].queryset = teams if teams is not None else Team.objects.none()


class ParticipantsField(forms.CharField):
    """People typed one per line (or separated by commas), in rotation order, by e-mail."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(user.email if isinstance(user, User) else str(user) for user in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        addresses = [part.strip() for part in re.split(r"[\n,;]+", text) if part.strip()]
        users = {
            user.email.lower(): user
            for user in User.objects.filter(email__in=[a.lower() for a in addresses])
        }
        unknown = [address for address in addresses if address.lower() not in users]
        if unknown:
            raise forms.ValidationError(
                f"No one signs in as {', '.join(unknown)}: give e-mail addresses of team members."
            )
        return [users[address.lower()] for address in addresses]


class LayerForm(forms.Form):
    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "e.g. Primary"})
    )
    participants = ParticipantsField(
        label="People, in rotation order",
        help_text="One e-mail address per line. The first takes the first turn; a person may "
        "appear more than once.",
    )
    rotation_length = forms.IntegerField(
        min_value=1, max_value=9000, initial=1, label="Each turn lasts"
    )
    rotation_unit = forms.ChoiceField(
        choices=RotationUnit.choices, initial=RotationUnit.WEEKS, label="Unit"
    )
    handoff_time = forms.TimeField(
        widget=TimeInput(),
        initial="09:00",
        label="Handoff time",
        help_text="Wall-clock time in the schedule's zone.",
    )
    start_date = forms.DateField(
        widget=DateInput(),
        label="First handoff on",
        help_text="A weekly rotation hands over on this weekday.",
    )
    position = forms.IntegerField(
        min_value=1,
        required=False,
        label="Priority",
        help_text="1 is the highest: where layers overlap, the higher one decides. "
        "Empty: below the existing layers.",
    )
    restrict_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only on",
        help_text="No day ticked: every day.",
    )
    restrict_start = forms.TimeField(
        widget=TimeInput(), required=False, label="Only from", help_text="E.g. 09:00."
    )
    restrict_end = forms.TimeField(
        widget=TimeInput(),
        required=False,
        label="Until",
        help_text="E.g. 17:00; an end before the start crosses midnight.",
    )

    def layer_fields(self) -> dict:
        return dict(self.cleaned_data)


class OverrideForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), empty_label="Choose a person", label="Who"
    )
    starts_at = WallClockField(label="From")
    ends_at = WallClockField(label="To")
    reason = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. swap with Bob for Friday"}),
    )

    def __init__(self, *args, schedule, people, **kwargs):
        super().__init__(*args, **kwargs)
        zone = ZoneInfo(schedule.time_zone)
        self.fields["user"].queryset = people
        for name in ("starts_at", "ends_at"):
            self.fields[name].zone = zone
            self.fields[name].label = f"{self.fields[name].label} ({schedule.time_zone})"


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that the current address stops working at once",
        error_messages={"required": "Tick the box to confirm: subscribers need the new address."},
    )
