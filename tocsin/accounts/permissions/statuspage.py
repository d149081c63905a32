"""The status page: publishing what an incident means for the public, its components, its pages."""

from tocsin.errors import PermissionDenied

from ..models import Membership, MembershipRole, User
from .incidents import _works
from .people import _signed_in, ensure_can_write, is_read_only, may_administer
from .setup import _leads_a_team

# ---------------------------------------------------------------------------------------------
# The status page: publishing what an incident means for the public, its components, its pages
#
# A page's objects are read through their attributes: a public incident's `incident` (None for
# a standalone one) and `components`, a component's `services` (each with its `team`).


def _team_leads_of_every(services, user: User) -> bool:
    teams = {service.team_id for service in services}
    if not teams:
        return False
    led = set(
        Membership.objects.filter(
            user=user, role=MembershipRole.LEAD, team_id__in=teams
        ).values_list("team_id", flat=True)
    )
    return led == teams


def _team_lead_of_any(services, user: User) -> bool:
    teams = {service.team_id for service in services}
    return Membership.objects.filter(
        user=user, role=MembershipRole.LEAD, team_id__in=teams
    ).exists()


def may_publish_for_incident(user: User | None, incident) -> bool:
    """Publish an incident to a status page, post its public updates: members of its team,
    people holding a role on it (its commander among them), admins; never a viewer. A drill is
    never published (the service refuses it, so nobody is offered the form)."""
    return (
        _signed_in(user)
        and not is_read_only(user)
        and not incident.drill
        and _works(incident, user)
    )


def ensure_may_publish_for_incident(user: User, incident) -> None:
    if not _works(incident, user):
        raise PermissionDenied(
            f"only members of {incident.team.name}, people with a role on "
            f"{incident.reference} and admins may publish it to the status page"
        )
    ensure_can_write(user)


def _may_publish_standalone(components, user: User) -> bool:
    services = [service for component in components for service in component.services.all()]
    return user.is_admin or _team_lead_of_any(services, user)


def may_publish_standalone(user: User | None, components) -> bool:
    """A public incident of no internal incident about these components: admins, and the leads
    of a team whose service one of them is linked to."""
    return _signed_in(user) and not is_read_only(user) and _may_publish_standalone(components, user)


def ensure_may_publish_standalone(user: User, components) -> None:
    if not _may_publish_standalone(components, user):
        raise PermissionDenied(
            "only an admin, or a lead of a team whose service one of its components shows, may "
            "publish a public incident that no incident stands behind"
        )
    ensure_can_write(user)


def may_post_public_update(user: User | None, public_incident) -> bool:
    """Update, resolve, publish or edit a public incident: for one linked to an incident, who may
    publish that incident; for a standalone one, admins and the leads of a team whose service
    one of its components is linked to."""
    if public_incident.incident is not None:
        return may_publish_for_incident(user, public_incident.incident)
    return may_publish_standalone(user, public_incident.components.all())


def ensure_may_post_public_update(user: User, public_incident) -> None:
    if public_incident.incident is not None:
        ensure_may_publish_for_incident(user, public_incident.incident)
    else:
        ensure_may_publish_standalone(user, public_incident.components.all())


def _edits_component_with(services, user: User) -> bool:
    return user.is_admin or _team_leads_of_every(list(services), user)


def may_edit_component(user: User | None, component) -> bool:
    """Change a component (its name, group, order, services, status) or schedule maintenance on
    it: admins, and the leads of the team of every service linked to it (a component linked
    to no service, or also to another team's, is for admins)."""
    return (
        _signed_in(user)
        and not is_read_only(user)
        and _edits_component_with(component.services.all(), user)
    )


def ensure_may_edit_component(user: User, component, *, services=None) -> None:
    """`services` asks about the services the component is about to be linked to instead."""
    services = component.services.all() if services is None else services
    if not _edits_component_with(services, user):
        raise PermissionDenied(
            f"only an admin, or a lead of the team of every service {component.name} shows, "
            "may change it"
        )
    ensure_can_write(user)


def may_add_components(user: User | None) -> bool:
    """Add components at all: admins, and team leads (for their own teams' services)."""
    return _signed_in(user) and not is_read_only(user) and (user.is_admin or _leads_a_team(user))


def may_manage_status_pages(user: User | None) -> bool:
    """Status pages themselves, their component groups, subscribers, and the status each
    severity proposes: admins."""
    return may_administer(user)


def ensure_manages_status_pages(user: User, *, action: str) -> None:
    """`action` completes the refusal: "add a component group"; a viewer hears that they only
    read."""
    ensure_can_write(user)
    if not _signed_in(user) or not user.is_admin:
        raise PermissionDenied(f"only an admin may {action}")


def may_see_status_drafts(user: User | None) -> bool:
    """Drafts of public incidents (never shown to the public): anyone signed in whose account is
    active, viewers included."""
    return _signed_in(user) and user.is_active
