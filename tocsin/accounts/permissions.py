"""Who may do what: every "may this person …?" question of Tocsin, answered once.

`may_*` answers True or False, for pages, the API and templates deciding what to show;
`ensure_*` raises PermissionDenied with a message naming what was refused, for services.
A service enforces the same answer a page used to offer the action, so nobody is offered a
button that will refuse them.

A refusal names the rule first ("only an admin or a lead of Payments may …"); someone who
passes it but only reads (a viewer, an account that was switched off) is told that instead.

Objects from other apps (incidents, overrides, integrations) are read through their attributes,
never imported: accounts sits below every other app.

Longer than most modules on purpose: the point of it is that all the answers sit side by side,
where a reader compares them and a rule is changed in one place. Its sections follow the rooms
of the app (people, teams, alerting, secrets and settings, deliveries, incidents).
"""

from django.db.models import Q, QuerySet

from tocsin.errors import PermissionDenied

from .models import InstanceRole, Membership, MembershipRole, Team, User

# ---------------------------------------------------------------------------------------------
# People: who only reads, who administers


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_read_only(user: User | None) -> bool:
    """Viewers (a superuser never is one) and people whose account is switched off only read."""
    if not _signed_in(user) or not user.is_active:
        return True
    return user.role == InstanceRole.VIEWER and not user.is_superuser


def ensure_can_write(user: User | None) -> None:
    if not _signed_in(user):
        raise PermissionDenied("sign in to change anything")
    if not user.is_active:
        raise PermissionDenied(f"{user} cannot sign in any more and may not change anything")
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


# ---------------------------------------------------------------------------------------------
# Deliveries: the messages Tocsin sends (the outbox), and the e-mail it keeps


def _delivery_team(message) -> Team | None:
    incident = message.incident
    return incident.team if incident is not None else None


def may_see_deliveries(user: User | None) -> bool:
    """The Deliveries page in the navigation: admins (every message) and team leads (their
    team's). Anyone else who opens it sees only the messages addressed to them."""
    return _signed_in(user) and (user.is_admin or _leads_a_team(user))


def deliveries_visible_to(user: User | None, messages: QuerySet) -> QuerySet:
    """Of `messages` (outbox rows), those `user` may see: all for admins; for anyone else,
    those about their teams' incidents where they lead, and those addressed to them."""
    if not _signed_in(user):
        return messages.none()
    if user.is_admin:
        return messages
    led = Team.objects.filter(memberships__user=user, memberships__role=MembershipRole.LEAD)
    return messages.filter(Q(incident__team__in=led) | Q(recipient=user))


class DeliveryReader:
    """What one person may read of the messages Tocsin sends, row by row, each team's answer
    asked once for the whole list."""

    def __init__(self, user: User | None):
        self.user = user
        self._answers: dict[tuple[str, int | None], bool] = {}

    def _once(self, question, team: Team | None) -> bool:
        key = (question.__name__, team.pk if team is not None else None)
        if key not in self._answers:
            self._answers[key] = question(team, self.user)
        return self._answers[key]

    def may_read(self, message) -> bool:
        """One message in full (a kept e-mail and its acknowledge link): admins, the leads of
        its incident's team, and the person it is for."""
        if not _signed_in(self.user):
            return False
        if message.recipient_id is not None and message.recipient_id == self.user.pk:
            return True
        team = _delivery_team(message)
        return self.user.is_admin or (team is not None and self._once(is_lead, team))

    def may_see_address(self, message) -> bool:
        """A person's address is for whoever may see their contact methods; a team's list,
        chat or webhook URL is a secret of what the team (or, with no incident, the instance)
        owns."""
        if message.recipient is not None:
            return may_see_contact_methods(message.recipient, self.user)
        return self._once(may_see_secrets, _delivery_team(message))


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
    people holding a role on it (its commander among them), admins; never a viewer."""
    return _signed_in(user) and not is_read_only(user) and _works(incident, user)


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


# ---------------------------------------------------------------------------------------------
# Metrics


def may_see_metrics(user: User | None) -> bool:
    """The metrics page, its CSV and API, drills shown apart included: anyone signed in whose
    account is active, viewers included (they only read)."""
    return _signed_in(user) and user.is_active


def ensure_may_see_metrics(user: User | None) -> None:
    if not _signed_in(user):
        raise PermissionDenied("sign in to see the metrics")
    if not user.is_active:
        raise PermissionDenied(f"{user} cannot sign in any more and may not see the metrics")


# ---------------------------------------------------------------------------------------------
# Runbooks: everyone signed in reads them; a runbook's `services` (each with its `team`) say who
# edits it. Ticking a step on an incident is working the incident (`may_work_incident`).


def may_see_runbooks(user: User | None) -> bool:
    """Read runbooks, their versions and the alert catalogue: everyone signed in, viewers too."""
    return _signed_in(user) and user.is_active


def may_add_runbooks(user: User | None) -> bool:
    """Write runbooks at all: admins, and team leads (for their own teams' services)."""
    return _signed_in(user) and not is_read_only(user) and (user.is_admin or _leads_a_team(user))


def _edits_runbook_with(services, user: User) -> bool:
    return user.is_admin or _team_leads_of_every(services, user)


def may_edit_runbook(user: User | None, runbook) -> bool:
    """Edit a runbook (its text, services, alert names, routing rules): admins, and the leads of
    the team of every service it is linked to (one linked to no service is for admins)."""
    return (
        _signed_in(user)
        and not is_read_only(user)
        and _edits_runbook_with(runbook.services.all(), user)
    )


def ensure_may_edit_runbook(user: User, runbook=None, *, services=None) -> None:
    """`services` asks about the services the runbook is about to be linked to (a new runbook
    has only those)."""
    services = runbook.services.all() if services is None else services
    if not _signed_in(user):
        raise PermissionDenied("sign in to change anything")
    if not _edits_runbook_with(services, user):
        what = f"change {runbook.name}" if runbook is not None else "write this runbook"
        raise PermissionDenied(
            f"only an admin, or a lead of the team of every service it is linked to, may {what}",
            field="services",
        )
    ensure_can_write(user)


# ---------------------------------------------------------------------------------------------
# Situation reports: regenerating one, and whom it is e-mailed to


def _reports_on(incident, user: User) -> bool:
    return (
        user.is_admin
        or is_member(incident.team, user)
        or _holds_role(incident, user, role="commander")
    )


def may_regenerate_situation_report(incident, user: User | None) -> bool:
    """Regenerate an incident's situation report, add or remove the incident's stakeholders: its
    commander, members of its team, admins; never a viewer."""
    return not is_read_only(user) and _reports_on(incident, user)


def ensure_may_regenerate_situation_report(
    incident, by: User, *, action: str = "regenerate its situation report"
) -> None:
    """`action` completes the refusal: "regenerate its situation report", "add stakeholders"."""
    if not _reports_on(incident, by):
        raise PermissionDenied(
            f"only the commander of {incident.reference}, members of {incident.team.name} "
            f"or an admin can {action}"
        )
    ensure_can_write(by)


# ---------------------------------------------------------------------------------------------
# Post-mortems: a `postmortem` has `incident`, `author_id`, `status` and `review_requests`.
# Statuses are spelled out ("approved", "published"): accounts imports no app above.


def _writes_postmortem(postmortem, user: User) -> bool:
    incident = postmortem.incident
    return (
        user.is_admin
        or postmortem.author_id == user.pk
        or is_member(incident.team, user)
        or _holds_role(incident, user, role="commander")
    )


def _reviews_postmortem(postmortem, user: User) -> bool:
    return postmortem.review_requests.filter(reviewer=user).exists()


def may_start_postmortem(incident, user: User | None) -> bool:
    """Start a post-mortem by hand, for any incident: whoever may work the incident."""
    return may_work_incident(incident, user)


def ensure_may_start_postmortem(incident, by: User) -> None:
    ensure_works_incident(incident, by, action="start its post-mortem")


def may_see_postmortem(postmortem, user: User | None) -> bool:
    """A published post-mortem: everyone signed in. Before that: who may edit it, its reviewers,
    the incident's team (viewers in it too) and admins."""
    if not _signed_in(user) or not user.is_active:
        return False
    if postmortem.status == "published":
        return True
    return _writes_postmortem(postmortem, user) or _reviews_postmortem(postmortem, user)


def ensure_may_see_postmortem(postmortem, by: User | None) -> None:
    if not may_see_postmortem(postmortem, by):
        raise PermissionDenied(
            f"only its author, reviewers, members of {postmortem.incident.team.name} and admins "
            f"may see the post-mortem of {postmortem.incident.reference} before it is published"
        )


def may_edit_postmortem(postmortem, user: User | None) -> bool:
    """Write its sections, change its author and due date, ask for reviews: its author, the
    incident's commander, members of the incident's team, admins; never a viewer."""
    return not is_read_only(user) and _writes_postmortem(postmortem, user)


def ensure_may_edit_postmortem(postmortem, by: User, *, action: str = "edit it") -> None:
    """`action` completes the refusal: "edit it", "ask for reviews"."""
    if not _signed_in(by) or not _writes_postmortem(postmortem, by):
        incident = postmortem.incident
        raise PermissionDenied(
            f"only the author, the commander of {incident.reference}, members of "
            f"{incident.team.name} or an admin may {action}"
        )
    ensure_can_write(by)


def may_review_postmortem(postmortem, user: User | None) -> bool:
    """Approve or request changes: the people asked to review it, never its author."""
    return (
        not is_read_only(user)
        and postmortem.author_id != user.pk
        and _reviews_postmortem(postmortem, user)
    )


def ensure_may_review_postmortem(postmortem, by: User) -> None:
    if _signed_in(by) and postmortem.author_id == by.pk:
        raise PermissionDenied(
            f"{by} wrote this post-mortem: the author's own review does not count"
        )
    if not _signed_in(by) or not _reviews_postmortem(postmortem, by):
        raise PermissionDenied(
            f"{by} was not asked to review this post-mortem: only its reviewers review it"
        )
    ensure_can_write(by)


def may_comment_on_postmortem(postmortem, user: User | None) -> bool:
    """Comment on its sections: its reviewers and whoever may edit it."""
    return not is_read_only(user) and (
        _writes_postmortem(postmortem, user) or _reviews_postmortem(postmortem, user)
    )


def ensure_may_comment_on_postmortem(postmortem, by: User) -> None:
    if not _signed_in(by) or not (
        _writes_postmortem(postmortem, by) or _reviews_postmortem(postmortem, by)
    ):
        raise PermissionDenied(
            "only its reviewers, its author, the commander, members of "
            f"{postmortem.incident.team.name} or an admin may comment on this post-mortem"
        )
    ensure_can_write(by)


def _publishes_postmortem(postmortem, user: User) -> bool:
    return user.is_admin or postmortem.author_id == user.pk


def may_publish_postmortem(postmortem, user: User | None) -> bool:
    """Publish it once it is approved: its author or an admin."""
    return (
        not is_read_only(user)
        and postmortem.status == "approved"
        and _publishes_postmortem(postmortem, user)
    )


def ensure_may_publish_postmortem(postmortem, by: User) -> None:
    """Who publishes; that it is approved is the service's transition rule."""
    if not _signed_in(by) or not _publishes_postmortem(postmortem, by):
        raise PermissionDenied("only the author of the post-mortem or an admin may publish it")
    ensure_can_write(by)


def may_manage_postmortem_template(user: User | None) -> bool:
    """The sections new post-mortems start with and the approvals each severity needs: admins."""
    return may_administer(user)


def ensure_may_manage_postmortem_template(by: User) -> None:
    if not _signed_in(by) or not by.is_admin:
        raise PermissionDenied("only an admin may change the post-mortem template")
    ensure_can_write(by)


# ---------------------------------------------------------------------------------------------
# Action items: an `item` has `incident`, `owner_id` and `postmortem` (or None).


def _works_on_follow_up(incident, postmortem, user: User) -> bool:
    return _works(incident, user) or (
        postmortem is not None and _writes_postmortem(postmortem, user)
    )


def may_add_action_item(incident, user: User | None, *, postmortem=None) -> bool:
    """Add action items to an incident: who may work it or edit its post-mortem; never a viewer."""
    return not is_read_only(user) and _works_on_follow_up(incident, postmortem, user)


def ensure_may_add_action_item(incident, by: User, *, postmortem=None, action="add action items"):
    """`action` completes the refusal: "add action items", "edit this action item"."""
    if not _signed_in(by) or not _works_on_follow_up(incident, postmortem, by):
        raise PermissionDenied(
            f"only members of {incident.team.name}, people with a role on {incident.reference}, "
            f"the author of its post-mortem or an admin may {action}"
        )
    ensure_can_write(by)


def may_edit_action_item(item, user: User | None) -> bool:
    """Its title, description, owner, due date, priority, link: as for adding one."""
    return may_add_action_item(item.incident, user, postmortem=item.postmortem)


def ensure_may_edit_action_item(item, by: User) -> None:
    ensure_may_add_action_item(
        item.incident, by, postmortem=item.postmortem, action="edit this action item"
    )


def may_change_action_item_status(item, user: User | None) -> bool:
    """Start it, finish it, or say it won't be done: its owner, or an admin."""
    return not is_read_only(user) and (user.is_admin or item.owner_id == user.pk)


def ensure_may_change_action_item_status(item, by: User) -> None:
    if not _signed_in(by) or not (by.is_admin or item.owner_id == by.pk):
        raise PermissionDenied(
            f"only its owner ({item.owner}) or an admin may change the status of this action item"
        )
    ensure_can_write(by)


def may_see_action_items(user: User | None) -> bool:
    """Read action items: everyone signed in, viewers too."""
    return _signed_in(user) and user.is_active
