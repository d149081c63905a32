"""Drills: practice incidents started from a team's scenarios.

A scenario's and a drill run's `team` says who may do what; both are read through attributes.
"""

from tocsin.errors import PermissionDenied

from ..models import User
from .people import _signed_in, ensure_manages_team, is_member, may_manage_team

# ---------------------------------------------------------------------------------------------
# Drills: the team's leads and admins run them; the team's members read their reports


def may_manage_drills(team, user: User | None) -> bool:
    """Write a team's drill scenarios, start, schedule and cancel its drills: admins and the
    team's leads; never a viewer."""
    return may_manage_team(team, user)


def ensure_manages_drills(team, by: User, *, action: str = "run its drills") -> None:
    """`action` completes the refusal: "… may start a drill"."""
    ensure_manages_team(team, by, action=action)


def may_see_drills(team, user: User | None) -> bool:
    """A team's scenarios, drill runs and their reports: the team's members (viewers in it
    too) and admins."""
    return _signed_in(user) and user.is_active and (user.is_admin or is_member(team, user))


def ensure_may_see_drills(team, user: User | None) -> None:
    if not may_see_drills(team, user):
        raise PermissionDenied(f"only members of {team.name} and admins may see its drills")
