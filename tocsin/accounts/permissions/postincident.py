"""After the incident: metrics, runbooks, situation reports, post-mortems, action items."""

from tocsin.errors import PermissionDenied

from ..models import User
from .incidents import _holds_role, _works, ensure_works_incident, may_work_incident
from .people import _signed_in, ensure_can_write, is_member, is_read_only, may_administer
from .setup import _leads_a_team
from .statuspage import _team_leads_of_every

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
