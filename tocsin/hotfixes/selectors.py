"""Reads of hot fixes that several callers share (the incident page, the team page, the
post-mortem, the API, the reminders)."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from .models import HotFix, MergeBack


def with_relations(hot_fixes: QuerySet[HotFix]) -> QuerySet[HotFix]:
    return hot_fixes.select_related("incident__team", "owner", "created_by").prefetch_related(
        Prefetch("targets", queryset=MergeBack.objects.select_related("done_by").order_by("id"))
    )


def unmerged(hot_fixes: QuerySet[HotFix] | None = None) -> QuerySet[HotFix]:
    """Those with a merge-back target not done yet."""
    hot_fixes = HotFix.objects.all() if hot_fixes is None else hot_fixes
    return hot_fixes.filter(Exists(MergeBack.objects.filter(hot_fix=OuterRef("pk"), done=False)))


def merged(hot_fixes: QuerySet[HotFix] | None = None) -> QuerySet[HotFix]:
    """Those with no merge-back left to do (no targets at all included)."""
    hot_fixes = HotFix.objects.all() if hot_fixes is None else hot_fixes
    return hot_fixes.exclude(Exists(MergeBack.objects.filter(hot_fix=OuterRef("pk"), done=False)))


def hot_fixes_of(incident) -> QuerySet[HotFix]:
    """The incident's hot fixes, oldest first."""
    return with_relations(HotFix.objects.filter(incident=incident)).order_by("created_at", "id")


def unmerged_of_team(team) -> QuerySet[HotFix]:
    """The unmerged hot fixes of the team's incidents, oldest first: the team page's list."""
    return with_relations(unmerged(HotFix.objects.filter(incident__team=team))).order_by(
        "created_at", "id"
    )
