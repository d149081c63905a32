"""What a team or the whole instance owns (webhooks, routing rules) and who sees its secrets."""

from tocsin.errors import PermissionDenied

from ..models import Membership, MembershipRole, Team, User
from .people import (
    _admin_or_lead,
    _admin_or_member,
    _signed_in,
    ensure_can_write,
    is_lead,
    is_read_only,
    may_administer,
    may_manage_team,
)

# ---------------------------------------------------------------------------------------------
# What a team or the whole instance owns: webhooks and routing rules (team None: instance-wide)


def _may_manage_team_or_instance(team: Team | None, user: User | None) -> bool:
    if team is None:
        return may_administer(user)
    return may_manage_team(team, user)


def may_manage_webhooks(team: Team | None, user: User | None) -> bool:
    """A team's webhooks: who manages the team; instance-wide ones (`team` None): admins."""
    return _may_manage_team_or_instance(team, user)


def ensure_manages_webhooks(team: Team | None, by: User) -> None:
    """For looking as well as changing: a webhook's URL and secret are for who manages it."""
    if not _admin_or_lead(team, by):
        if team is None:
            raise PermissionDenied("only an admin may manage instance-wide webhooks")
        raise PermissionDenied(f"only an admin or a lead of {team.name} may manage its webhooks")
    ensure_can_write(by)


def may_manage_routing_rules(team: Team | None, user: User | None) -> bool:
    """Rules that send alerts to a team: who manages the team; rules naming no team: admins."""
    return _may_manage_team_or_instance(team, user)


def ensure_manages_routing_rules(
    team: Team | None,
    by: User,
    *,
    action: str,
    whose: str = "for their own team",
    field: str | None = None,
) -> None:
    """`action` and `whose` complete the refusal: "… or a lead {whose}, may {action}"; `field`
    names what the request got wrong (the rule's "team"), if anything."""
    if not _admin_or_lead(team, by):
        raise PermissionDenied(f"only an admin, or a lead {whose}, may {action}", field=field)
    ensure_can_write(by)


def _leads_a_team(user: User) -> bool:
    return Membership.objects.filter(user=user, role=MembershipRole.LEAD).exists()


def may_write_routing_rules(user: User | None) -> bool:
    """Whether `user` may add routing rules at all: admins, and the leads of a team (for their
    own team); never a viewer."""
    return _signed_in(user) and not is_read_only(user) and (user.is_admin or _leads_a_team(user))


def ensure_may_write_routing_rules(by: User, *, action: str = "add routing rules") -> None:
    """Asked before anything of a rule is read: whoever may write none is refused at once."""
    if not _signed_in(by):
        raise PermissionDenied("sign in to change anything")
    if not (by.is_admin or _leads_a_team(by)):
        raise PermissionDenied(f"only an admin, or a lead for their own team, may {action}")
    ensure_can_write(by)


def ensure_may_route(*, team: Team, integration, by: User) -> None:
    """Admins route anything; a lead routes only their own team's integrations.

    Rules are evaluated across all teams and the first match wins, so a lead's rule without an
    integration could take every other team's alerts.
    """
    if by.is_admin:
        return
    if integration is None or not may_manage_team(integration.team, by):
        raise PermissionDenied(
            f"a lead's routing rules apply only to {team.name}'s own integrations: choose one",
            field="integration",
        )


def may_route_to_service(service, *, team: Team | None, user: User | None) -> bool:
    """Whether `user` may send `team`'s alerts (an integration's, a rule's) to `service`:
    admins to any service, a lead of `team` only to one of `team`'s own services."""
    if not _signed_in(user) or is_read_only(user):
        return False
    if service is None or user.is_admin:
        return True
    return team is not None and service.team_id == team.pk and is_lead(team, user)


def ensure_may_route_to_service(
    service, *, team: Team | None, by: User, field: str = "service"
) -> None:
    """A lead's alerts stay with their team's own services: another team's service would put
    them under that team's maintenance windows. (Whether `by` leads `team` at all is the
    caller's first question: `ensure_manages_team`, `ensure_manages_routing_rules`.)"""
    if service is None or by.is_admin:
        return
    if team is None:
        raise PermissionDenied(
            f"{service.name} is a service of {service.team.name}: only an admin may choose it "
            "for alerts of every team",
            field=field,
        )
    if service.team_id != team.pk:
        raise PermissionDenied(
            f"{service.name} is a service of {service.team.name}: a lead may send "
            f"{team.name}'s alerts only to {team.name}'s own services",
            field=field,
        )


# ---------------------------------------------------------------------------------------------
# Secrets: integration URLs and keys, webhook URLs and signing secrets, contact addresses


def may_see_secrets(team: Team | None, user: User | None) -> bool:
    """The secrets of what `team` owns are for who manages it; of what the instance owns
    (`team` None, e.g. an instance-wide webhook), for admins."""
    return _may_manage_team_or_instance(team, user)


def may_see_schedule_calendar(team: Team, user: User | None) -> bool:
    """A schedule's calendar address (it needs no sign-in): the team's members and admins."""
    return _signed_in(user) and _admin_or_member(team, user)


def may_change_notification_settings(person: User, user: User | None) -> bool:
    """A person's notification rules and contact methods: themself or an admin.

    A viewer keeps their own (as before this module): being paged is not changing anything.
    """
    return _signed_in(user) and (user.pk == person.pk or may_administer(user))


def ensure_may_change_notification_settings(
    person: User, by: User, *, what: str = "notification rules"
) -> None:
    if by.pk == person.pk:
        return
    if not by.is_admin:
        raise PermissionDenied(f"only {person} and admins may see or change {person}'s {what}")
    ensure_can_write(by)


def may_see_contact_methods(person: User, user: User | None) -> bool:
    """A person sees their own contact addresses; so does whoever may change their rules,
    since the rules name those addresses."""
    return may_change_notification_settings(person, user)
