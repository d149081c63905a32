"""Overrides: someone on call instead of whoever the layers say, for a while.

Any member of the team may add an override for themselves (to swap a shift); leads and admins
for anyone in the team.
"""

from datetime import datetime

from django.db import transaction

from tocsin.accounts.models import User
from tocsin.accounts.permissions import (
    ensure_may_put_on_call,
    ensure_may_remove_override,
    is_member,
)
from tocsin.errors import ValidationFailed
from tocsin.validation import clean_text

from ..models import Override, Schedule
from .shared import EARLIEST_START, LATEST_START, MAX_OVERRIDE


def _clean_instant(value, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(f"{field} needs a date, a time and a time zone", field=field)
    if not EARLIEST_START.year <= value.year < LATEST_START.year:
        raise ValidationFailed(f"{field} must be between the years 2000 and 2199", field=field)
    return value


def add_override(
    *,
    schedule: Schedule,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    by: User,
    reason: str = "",
) -> Override:
    """`user` is on call instead of whoever the layers say, from `starts_at` to `ends_at`.

    Where overrides overlap, the one created last wins.
    """
    team = schedule.team
    ensure_may_put_on_call(team, by, person=user)
    starts_at = _clean_instant(starts_at, "starts_at")
    ends_at = _clean_instant(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed("the override must end after it starts", field="ends_at")
    if ends_at - starts_at > MAX_OVERRIDE:
        raise ValidationFailed("an override lasts at most a year", field="ends_at")
    if not is_member(team, user):
        raise ValidationFailed(
            f"{user} is not a member of {team.name}: only members can be on call for it",
            field="user",
        )
    if not user.is_active:
        raise ValidationFailed(f"{user} cannot sign in any more", field="user")
    reason = clean_text(reason, field="reason", max_length=200)
    with transaction.atomic():
        return Override.objects.create(
            schedule=schedule,
            user=user,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=by,
        )


def delete_override(*, override: Override, by: User) -> None:
    """Leads and admins remove any override; members remove their own."""
    ensure_may_remove_override(override, by)
    with transaction.atomic():
        Override.objects.filter(pk=override.pk).delete()
