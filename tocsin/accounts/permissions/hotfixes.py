"""Hot fixes: recording one on an incident, and changing it (its details, its merge-back
targets, ticking a merge-back done)."""

from tocsin.errors import PermissionDenied

from ..models import User
from .incidents import _works
from .people import _signed_in, ensure_can_write, is_read_only


def may_record_hot_fix(incident, user: User | None) -> bool:
    """Record a hot fix on an incident, open or resolved: who may work the incident."""
    return not is_read_only(user) and _works(incident, user)


def ensure_may_record_hot_fix(incident, by: User) -> None:
    if not _signed_in(by) or not _works(incident, by):
        raise PermissionDenied(
            f"only members of {incident.team.name}, people with a role on {incident.reference} "
            f"or an admin may record a hot fix on it"
        )
    ensure_can_write(by)


def _changes(hot_fix, user: User) -> bool:
    return hot_fix.owner_id == user.pk or _works(hot_fix.incident, user)


def may_change_hot_fix(hot_fix, user: User | None) -> bool:
    """Edit it, add or remove a merge-back target, tick a merge-back done or undone: its owner
    and who may work its incident (admins included); never a viewer."""
    return not is_read_only(user) and _changes(hot_fix, user)


def ensure_may_change_hot_fix(hot_fix, by: User, *, action: str = "change this hot fix") -> None:
    """`action` completes the refusal: "change this hot fix", "tick its merge-backs"."""
    if not _signed_in(by) or not _changes(hot_fix, by):
        incident = hot_fix.incident
        raise PermissionDenied(
            f"only its owner ({hot_fix.owner}), members of {incident.team.name}, people with a "
            f"role on {incident.reference} or an admin may {action}"
        )
    ensure_can_write(by)


def may_see_hot_fixes(user: User | None) -> bool:
    """Read hot fixes: everyone signed in with an active account, viewers too."""
    return _signed_in(user) and user.is_active
