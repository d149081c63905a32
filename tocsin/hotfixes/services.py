"""Every write to hot fixes: one transaction each, noted on the incident's timeline as a
*Hot fix* event."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import ensure_may_change_hot_fix, ensure_may_record_hot_fix
from tocsin.errors import Conflict, NotFound, ValidationFailed
from tocsin.incidents.models import Channel, Event, Incident
from tocsin.incidents.services import record

from . import checks
from .models import HotFix, MergeBack

UNSET = object()
EDITABLE_FIELDS = ("change_url", "branch", "owner", "note")


def tell_the_incident(hot_fix: HotFix, message: str, *, by: User | None, via: str, **data):
    record(
        hot_fix.incident,
        Event.HOT_FIX,
        actor=by,
        via=via or Channel.WEB,
        system="" if by else "Tocsin",
        message=message,
        data={"hot_fix": hot_fix.pk, **data},
    )


def _branches(names) -> str:
    return ", ".join(names)


def record_hot_fix(
    *,
    incident: Incident,
    by: User,
    change_url: str,
    branch: str,
    targets=(),
    owner: User | None = None,
    note: str = "",
    via: str = Channel.WEB,
) -> HotFix:
    """Record the change that fixed `incident`, open or resolved, and the branches it must be
    merged back into; its owner is `by` unless named."""
    ensure_may_record_hot_fix(incident, by)
    values = {
        "change_url": checks.change_url(change_url),
        "branch": checks.branch(branch),
        "owner": checks.owner(by if owner is None else owner),
        "note": checks.note(note),
    }
    names = checks.targets(targets, hot_fix_branch=values["branch"])
    with transaction.atomic():
        hot_fix = HotFix.objects.create(incident=incident, created_by=by, **values)
        MergeBack.objects.bulk_create(MergeBack(hot_fix=hot_fix, branch=name) for name in names)
        to_do = f"to merge back into {_branches(names)}" if names else "nothing to merge back"
        tell_the_incident(
            hot_fix,
            f"Hot fix recorded: {hot_fix.change_url} on {hot_fix.branch}, {to_do}",
            by=by,
            via=via,
            action="recorded",
            targets=names,
        )
    return hot_fix


def _locked(hot_fix: HotFix) -> HotFix:
    return (
        HotFix.objects.select_for_update(of=("self",))
        .select_related("incident__team", "owner")
        .get(pk=hot_fix.pk)
    )


def edit_hot_fix(*, hot_fix: HotFix, by: User, via: str = Channel.WEB, **changes) -> HotFix:
    """Change any of EDITABLE_FIELDS; a field left out (or UNSET) keeps its value."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(f"unknown field {unknown[0]!r}", field=unknown[0])
    changes = {name: value for name, value in changes.items() if value is not UNSET}
    ensure_may_change_hot_fix(hot_fix, by)
    clean = {name: getattr(checks, name)(value) for name, value in changes.items()}
    with transaction.atomic():
        hot_fix = _locked(hot_fix)
        ensure_may_change_hot_fix(hot_fix, by)
        if "branch" in clean and hot_fix.targets.filter(branch=clean["branch"]).exists():
            raise ValidationFailed(
                f"{clean['branch']} is one of its merge-back targets: remove that target first",
                field="branch",
            )
        changed = [name for name, value in clean.items() if getattr(hot_fix, name) != value]
        if not changed:
            return hot_fix
        for name in changed:
            setattr(hot_fix, name, clean[name])
        hot_fix.updated_at = timezone.now()
        hot_fix.save(update_fields=[*changed, "updated_at"])
        tell_the_incident(
            hot_fix,
            f"Hot fix edited: {hot_fix.change_url} on {hot_fix.branch} "
            f"({', '.join(name.replace('_', ' ') for name in changed)})",
            by=by,
            via=via,
            action="edited",
            fields=changed,
        )
    return hot_fix


def add_target(*, hot_fix: HotFix, by: User, branch: str, via: str = Channel.WEB) -> MergeBack:
    """One more branch the hot fix must be merged back into."""
    ensure_may_change_hot_fix(hot_fix, by)
    name = checks.target_other_than(checks.branch(branch), hot_fix.branch, field="branch")
    already = Conflict(f"{name} is already a merge-back target of this hot fix", field="branch")
    with transaction.atomic():
        hot_fix = _locked(hot_fix)
        checks.target_other_than(name, hot_fix.branch, field="branch")
        if hot_fix.targets.filter(branch=name).exists():
            raise already
        try:
            with transaction.atomic():
                target = MergeBack.objects.create(hot_fix=hot_fix, branch=name)
        except IntegrityError:
            # hot_fix_merge_back_branch_once: added by someone else meanwhile.
            raise already from None
        tell_the_incident(
            hot_fix,
            f"Hot fix {hot_fix.change_url}: to merge back into {name} too",
            by=by,
            via=via,
            action="target_added",
            branch=name,
        )
    return target


def _target(hot_fix: HotFix, branch: str) -> MergeBack:
    target = MergeBack.objects.select_for_update().filter(hot_fix=hot_fix, branch=branch).first()
    if target is None:
        raise NotFound(f"{branch!r} is not a merge-back target of this hot fix", field="branch")
    return target


def remove_target(*, hot_fix: HotFix, by: User, branch: str, via: str = Channel.WEB) -> None:
    """The hot fix need not be merged back into `branch` after all."""
    ensure_may_change_hot_fix(hot_fix, by)
    with transaction.atomic():
        hot_fix = _locked(hot_fix)
        target = _target(hot_fix, branch)
        target.delete()
        tell_the_incident(
            hot_fix,
            f"Hot fix {hot_fix.change_url}: no merge-back into {branch} needed",
            by=by,
            via=via,
            action="target_removed",
            branch=branch,
        )


def mark_merged_back(
    *, hot_fix: HotFix, by: User, branch: str, link=UNSET, via: str = Channel.WEB
) -> MergeBack:
    """The merge-back into `branch` is done, optionally with its own change's address; done
    already: nothing changes (a new link replaces the old one, noted on the timeline)."""
    ensure_may_change_hot_fix(hot_fix, by, action="tick its merge-backs")
    clean_link = UNSET if link is UNSET else checks.link(link)
    with transaction.atomic():
        hot_fix = _locked(hot_fix)
        target = _target(hot_fix, branch)
        new_link = target.link if clean_link is UNSET else clean_link
        if target.done and target.link == new_link:
            return target
        target.done, target.link = True, new_link
        if target.done_at is None:
            target.done_at, target.done_by = timezone.now(), by
        target.save(update_fields=["done", "done_at", "done_by", "link"])
        tell_the_incident(
            hot_fix,
            f"Hot fix merged back into {branch}" + (f": {new_link}" if new_link else ""),
            by=by,
            via=via,
            action="merged_back",
            branch=branch,
        )
    return target


def mark_not_merged_back(
    *, hot_fix: HotFix, by: User, branch: str, via: str = Channel.WEB
) -> MergeBack:
    """The merge-back into `branch` is not done after all (ticked by mistake, reverted); not
    done already: nothing changes."""
    ensure_may_change_hot_fix(hot_fix, by, action="tick its merge-backs")
    with transaction.atomic():
        hot_fix = _locked(hot_fix)
        target = _target(hot_fix, branch)
        if not target.done:
            return target
        target.done, target.done_at, target.done_by = False, None, None
        target.save(update_fields=["done", "done_at", "done_by"])
        tell_the_incident(
            hot_fix,
            f"Hot fix not merged back into {branch} after all",
            by=by,
            via=via,
            action="merge_back_undone",
            branch=branch,
        )
    return target
