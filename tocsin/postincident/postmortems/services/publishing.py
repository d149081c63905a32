"""Publishing an approved post-mortem, and writing it into TOCSIN_POSTMORTEM_DIR."""

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import ensure_may_publish_postmortem
from tocsin.errors import ValidationFailed
from tocsin.incidents.models import Channel
from tocsin.postincident.actions.models import ActionItem

from .. import conf, document
from ..export import ExportFailed, export_file
from ..models import Postmortem, PostmortemStatus
from .common import clean_body, ensure_status, locked, tell_the_incident, touch


def publish(
    *, postmortem: Postmortem, by: User, via: str = Channel.WEB, no_action_items_reason: str = ""
) -> Postmortem:
    """Publish it (approved only; its author or an admin), then export it. Without any action
    item on its incident, `no_action_items_reason` must say why; it is kept and shown.

    The export runs once the publication is committed: a folder or git that fails does not
    undo it, and says why on the incident's timeline.
    """
    reason = clean_body(no_action_items_reason, field="no_action_items_reason")
    ensure_may_publish_postmortem(postmortem, by)
    with transaction.atomic():
        postmortem = locked(postmortem)
        ensure_may_publish_postmortem(postmortem, by)
        ensure_status(postmortem, {PostmortemStatus.APPROVED}, action="be published")
        has_items = ActionItem.objects.filter(incident_id=postmortem.incident_id).exists()
        if not has_items and not reason:
            raise ValidationFailed(
                "the post-mortem has no action item: add one, or say why none is needed",
                field="no_action_items_reason",
            )
        postmortem.status = PostmortemStatus.PUBLISHED
        postmortem.published_at = timezone.now()
        postmortem.published_by = by
        postmortem.no_action_items_reason = "" if has_items else reason
        touch(postmortem, "status", "published_at", "published_by", "no_action_items_reason")
        message = "Post-mortem published"
        if not has_items:
            message += f" without action items: {reason}"
        tell_the_incident(postmortem, message, by=by, via=via, action="published")
    if conf.folder() is not None:
        export(postmortem=postmortem, by=by, via=via)
    postmortem.refresh_from_db()
    return postmortem


def export(*, postmortem: Postmortem, by: User | None, via: str = Channel.SYSTEM) -> Postmortem:
    """Write the published post-mortem into TOCSIN_POSTMORTEM_DIR; the outcome on the timeline."""
    folder = conf.folder()
    ensure_status(postmortem, {PostmortemStatus.PUBLISHED}, action="be exported")
    if folder is None:
        return postmortem
    text = document.markdown(postmortem)
    incident = postmortem.incident
    author = postmortem.published_by or postmortem.author or by
    try:
        exported = export_file(
            folder,
            name=document.filename(postmortem),
            text=text,
            branch=f"postmortem/{document.slug(postmortem)}",
            message=f"Post-mortem of {incident.reference}: {incident.title}",
            author=(str(author), author.email) if author else ("Tocsin", "tocsin@localhost"),
        )
    except ExportFailed as error:
        with transaction.atomic():
            tell_the_incident(
                postmortem,
                f"Post-mortem could not be exported to {folder}: {error}",
                by=by,
                via=via,
                action="export_failed",
                error=str(error),
            )
        return postmortem
    with transaction.atomic():
        postmortem = locked(postmortem)
        postmortem.exported_path = exported.path
        postmortem.exported_branch = exported.branch
        postmortem.exported_commit = exported.commit
        touch(postmortem, "exported_path", "exported_branch", "exported_commit")
        where = (
            f"committed as {exported.path} on branch {exported.branch} ({exported.commit[:12]})"
            if exported.branch
            else f"written to {exported.path}"
        )
        tell_the_incident(
            postmortem,
            f"Post-mortem {where}",
            by=by,
            via=via,
            action="exported",
            path=exported.path,
            branch=exported.branch,
            commit=exported.commit,
        )
    return postmortem
