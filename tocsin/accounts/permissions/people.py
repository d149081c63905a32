"""People and teams: who only reads, who administers, members, leads, who manages a team."""

from django.db.models import QuerySet

from tocsin.errors import PermissionDenied

from ..models import InstanceRole, Membership, MembershipRole, Team, User

# ---------------------------------------------------------------------------------------------
# People: who only reads, who administers


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_agent(user: User | None) -> bool:
    """A support agent: opens and follows support tickets, and nothing else (a superuser never
    is one)."""
    return _signed_in(user) and user.role == InstanceRole.AGENT and not user.is_superuser


def is_read_only(user: User | None) -> bool:
    """Viewers (a superuser never is one) and people whose account is switched off only read.
    Outside support tickets a support agent changes nothing either."""
    if not _signed_in(user) or not user.is_active:
        return True
    return user.role in (InstanceRole.VIEWER, InstanceRole.AGENT) and not user.is_superuser


def ensure_can_write(user: User | None) -> None:
    if not _signed_in(user):
        raise PermissionDenied("sign in to change anything")
    if not user.is_active:
        raise PermissionDenied(f"{user} cannot sign in any more and may not change anything")
    if is_agent(user):
        raise PermissionDenied(f"{user} is a support agent and works only on support tickets")
    if is_read_only(user):
        raise PermissionDenied(f"{user} is a viewer and may not change anything")


def may_administer(user: User | None) -> bool:
    """Admins (the admin role, or a superuser) who may write: instance-wide settings."""
    return _signed_in(user) and user.is_admin and not is_read_only(user)


def ensure_admin(by: User) -> None:
    if not by.is_admin:
        raise PermissionDenied("only an admin may do this")
    ensure_can_write(by)


# ---------------------------------------------------------------------------------------------
# Teams: members, leads, who manages a team's set-up


def is_member(team: Team, user: User | None) -> bool:
    """Leads are members too. A fact, not a permission: a viewer may be a member."""
    return _signed_in(user) and Membership.objects.filter(team=team, user=user).exists()


def is_lead(team: Team, user: User | None) -> bool:
    return (
        _signed_in(user)
        and Membership.objects.filter(team=team, user=user, role=MembershipRole.LEAD).exists()
    )


def _admin_or_lead(team: Team | None, user: User) -> bool:
    return user.is_admin or (team is not None and is_lead(team, user))


def may_manage_team(team: Team, user: User | None) -> bool:
    """Whether `user` may change how `team` is set up: its members, schedules, escalation
    policies, chats, integrations, webhooks. Admins and the team's leads; never a viewer, even
    a viewer who leads the team."""
    return _signed_in(user) and not is_read_only(user) and _admin_or_lead(team, user)


def ensure_manages_team(team: Team, by: User, *, action: str) -> None:
    """`action` completes the refusal: "add members", "change its schedules"."""
    if not _admin_or_lead(team, by):
        raise PermissionDenied(f"only an admin or a lead of {team.name} may {action}")
    ensure_can_write(by)


def teams_managed_by(user: User | None) -> QuerySet[Team]:
    """The teams `may_manage_team` says yes for, by name: for forms and listings."""
    if not _signed_in(user) or is_read_only(user):
        return Team.objects.none()
    if user.is_admin:
        return Team.objects.order_by("name")
    return Team.objects.filter(
        memberships__user=user, memberships__role=MembershipRole.LEAD
    ).order_by("name")


def _admin_or_member(team: Team, user: User) -> bool:
    return user.is_admin or is_member(team, user)


def may_work_for_team(team: Team, user: User | None) -> bool:
    """Members of the team (leads included) and admins, who may write: they schedule maintenance
    for the team's services and take over its on-call for themselves."""
    return _signed_in(user) and not is_read_only(user) and _admin_or_member(team, user)


def ensure_works_for_team(team: Team, by: User, *, action: str) -> None:
    """`action` completes the refusal: "end this window", "take over its on-call"."""
    if not _admin_or_member(team, by):
        raise PermissionDenied(f"only members of {team.name} may {action}")
    ensure_can_write(by)
