"""Schedules: who may put whom on call with an override, and remove one."""

from django.db.models import QuerySet

from tocsin.errors import PermissionDenied

from ..models import Team, User
from .people import (
    _admin_or_lead,
    ensure_can_write,
    ensure_works_for_team,
    is_member,
    is_read_only,
    may_manage_team,
    may_work_for_team,
)

# ---------------------------------------------------------------------------------------------
# Schedules: who may put whom on call with an override, and remove one


def override_candidates(team: Team, user: User | None) -> QuerySet[User]:
    """Whom `user` may put on call for `team`: any active member for who manages the team, a
    member themself, nobody else."""
    members = User.objects.filter(memberships__team=team, is_active=True).order_by("display_name")
    if may_manage_team(team, user):
        return members
    if may_work_for_team(team, user):
        return members.filter(pk=user.pk)
    return User.objects.none()


def ensure_may_put_on_call(team: Team, by: User, *, person: User) -> None:
    if by.pk != person.pk and not _admin_or_lead(team, by):
        raise PermissionDenied(
            f"only an admin or a lead of {team.name} may put someone else on call; "
            "members may add an override for themselves"
        )
    ensure_works_for_team(team, by, action="take over its on-call")


def _removes_override(override, user: User) -> bool:
    team = override.schedule.team
    own = user.pk == override.user_id and is_member(team, user)
    return own or _admin_or_lead(team, user)


def may_remove_override(override, user: User | None) -> bool:
    """Who manages the team removes any override; a member removes their own."""
    return not is_read_only(user) and _removes_override(override, user)


def ensure_may_remove_override(override, by: User) -> None:
    if not _removes_override(override, by):
        raise PermissionDenied(
            f"only an admin, a lead of {override.schedule.team.name} or {override.user} "
            "may remove this override"
        )
    ensure_can_write(by)
