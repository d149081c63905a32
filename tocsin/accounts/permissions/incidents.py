"""Incidents: declaring, acknowledging, working one, being in charge of one, holding a role."""

from tocsin.errors import PermissionDenied

from ..models import Team, User
from .people import ensure_can_write, is_lead, is_member, is_read_only

# ---------------------------------------------------------------------------------------------
# Incidents: declaring, acknowledging, working one, being in charge of one, holding a role


def may_declare(user: User | None) -> bool:
    """Anybody who may write declares an incident, for any team; viewers only follow them."""
    return not is_read_only(user)


def _holds_role(incident, user: User, role: str | None = None) -> bool:
    roles = incident.role_assignments.filter(user=user, ended_at__isnull=True)
    if role:
        roles = roles.filter(role=role)
    return roles.exists()


def ensure_team_member(team: Team, user: User, *, action: str = "acknowledge") -> None:
    """The incident team member rule; also for whom an incident is given ("own an incident")."""
    if not is_member(team, user):
        raise PermissionDenied(
            f"{user} is not a member of {team.name}: only members of {team.name} can {action}"
        )


def may_acknowledge(incident, user: User | None) -> bool:
    """Members of the incident's team, and no one else (not even an admin), who may write."""
    return not is_read_only(user) and is_member(incident.team, user)


def ensure_may_acknowledge(incident, by: User) -> None:
    ensure_team_member(incident.team, by)
    ensure_can_write(by)


def _works(incident, user: User) -> bool:
    return user.is_admin or is_member(incident.team, user) or _holds_role(incident, user)


def may_work_incident(incident, user: User | None) -> bool:
    """Change its status or severity, edit, resolve, reopen, take a free role: members of its
    team, people holding a role on it, admins."""
    return not is_read_only(user) and _works(incident, user)


def ensure_works_incident(incident, by: User, *, action: str) -> None:
    """`action` completes the refusal: "change its status", "resolve it"."""
    if not _works(incident, by):
        raise PermissionDenied(
            f"{by} is not a member of {incident.team.name}: only members of "
            f"{incident.team.name} or people with a role on {incident.reference} can {action}"
        )
    ensure_can_write(by)


def _in_charge(incident, user: User) -> bool:
    # "commander" is incidents.models.Role.COMMANDER, spelled out: accounts imports no app above.
    return (
        user.is_admin
        or is_lead(incident.team, user)
        or _holds_role(incident, user, role="commander")
    )


def may_manage_incident(incident, user: User | None) -> bool:
    """Assign it, cancel it, give out roles: its commander, a lead of its team, an admin."""
    return not is_read_only(user) and _in_charge(incident, user)


def ensure_manages_incident(incident, by: User, *, action: str) -> None:
    """`action` completes the refusal: "only the commander … can {action} INC-7"."""
    if not _in_charge(incident, by):
        raise PermissionDenied(
            f"only the commander or a lead of {incident.team.name} can {action} "
            f"{incident.reference}"
        )
    ensure_can_write(by)


def may_remove_incident_role(incident, holder: User, user: User | None) -> bool:
    """Step down from one's own role; take someone else's: who is in charge of the incident."""
    if is_read_only(user):
        return False
    return holder.pk == user.pk or _in_charge(incident, user)


def may_hold_incident_role(user: User) -> bool:
    """Commander, responder and the rest are for people who may act: not read-only ones."""
    return not is_read_only(user)
