"""What the schedule services share: limits, and the checks of typed-in names and zones."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError

from tocsin.accounts.models import validate_time_zone
from tocsin.errors import ValidationFailed
from tocsin.validation import clean_text

from ..models import RotationUnit

MAX_ROTATION = {RotationUnit.HOURS: 24 * 366, RotationUnit.DAYS: 366, RotationUnit.WEEKS: 52}
MAX_PARTICIPANTS = 100
MAX_LAYERS = 20
MAX_OVERRIDE = timedelta(days=366)
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2200, 1, 1)
WEEKDAYS = range(1, 8)
# Ends the refusal "only an admin or a lead of Payments may change its schedules".
CHANGE_SCHEDULES = "change its schedules"


def clean_name(name: str, what: str) -> str:
    return clean_text(
        name, field="name", max_length=100, missing=f"give the {what} a name, e.g. 'Primary'"
    )


def clean_time_zone(time_zone: str) -> str:
    time_zone = (time_zone or "").strip()
    try:
        validate_time_zone(time_zone)
    except DjangoValidationError as error:
        raise ValidationFailed(error.messages[0], field="time_zone") from None
    return time_zone


def clean_description(description: str) -> str:
    return clean_text(description, field="description", max_length=2000)
