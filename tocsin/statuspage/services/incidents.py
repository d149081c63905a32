"""Public incidents and their updates: published from an incident or on their own, updated,
resolved (their components set back), drafts published later.

A public incident linked to an internal one writes each step into that incident's timeline
(`Event.PUBLIC_UPDATE`), so the people working it see what the public was told and when.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.accounts.permissions import (
    ensure_may_post_public_update,
    ensure_may_publish_for_incident,
    ensure_may_publish_standalone,
)
from tocsin.errors import Conflict, ValidationFailed
from tocsin.incidents.models import Channel, Event, Incident
from tocsin.incidents.services import record

from ..markdown import plain
from ..models import (
    Component,
    ComponentStatus,
    Impact,
    IncidentStatus,
    IncidentUpdate,
    Page,
    PublicIncident,
)
from .common import (
    affected,
    apply_status,
    clean_body,
    clean_name,
    display_time,
    held_status,
    incident_status_value,
    rerender_on_commit,
    status_value,
    tell_subscribers_of_update,
)

# The statuses an incident may set its components to (maintenance is a maintenance's).
INCIDENT_COMPONENT_STATUSES = [
    status for status in ComponentStatus.values if status != ComponentStatus.UNDER_MAINTENANCE
]
TIMELINE_EXCERPT = 200


class AlreadyPublished(Conflict):
    code = "already_published"

    def __init__(self, message: str, *, public_incident: PublicIncident):
        super().__init__(message, field="incident")
        self.public_incident = public_incident


def _component_statuses(page: Page, component_statuses) -> dict[Component, str]:
    cleaned = {}
    for component, status in dict(component_statuses or {}).items():
        if not isinstance(component, Component) or component.page_id != page.pk:
            raise ValidationFailed(
                f"{component} is not a component of {page.name}", field="component_statuses"
            )
        cleaned[component] = status_value(
            status, field="component_statuses", allowed=INCIDENT_COMPONENT_STATUSES
        )
    return cleaned


def _impact_override(value: str) -> str:
    if value not in ("", *Impact.values):
        raise ValidationFailed(
            f"unknown impact {value!r}; use one of {', '.join(Impact.values)}, or empty to "
            "derive it from the components",
            field="impact_override",
        )
    return value


def _excerpt(body: str) -> str:
    text = " ".join(plain(body).split())
    return text if len(text) <= TIMELINE_EXCERPT else text[: TIMELINE_EXCERPT - 1] + "…"


def _tell_the_incident(public_incident, *, by, via, system, message, data=None) -> None:
    if public_incident.incident_id is None:
        return
    record(
        public_incident.incident,
        Event.PUBLIC_UPDATE,
        actor=by,
        via=via,
        system=system,
        message=message,
        data={"public_incident": public_incident.code, **(data or {})},
    )


def _set_statuses(public_incident, wanted: dict[Component, str], *, by, at) -> list[dict]:
    """Apply `wanted`; what changed, as the update's affected components."""
    changes = []
    for component, status in wanted.items():
        component = Component.objects.select_for_update().get(pk=component.pk)
        before = apply_status(component, status, by=by, incident=public_incident, at=at)
        if before is not None:
            changes.append(affected(component, before, status))
    return changes


def _wanted(update: IncidentUpdate) -> dict[Component, str]:
    """What a draft's update asked for (applied when the draft is published)."""
    codes = {entry["code"]: entry["new_status"] for entry in update.affected_components or []}
    return {c: codes[c.code] for c in Component.objects.filter(code__in=codes)}


def _stamp_status(public_incident: PublicIncident, status: str, at: datetime) -> None:
    public_incident.status = status
    if status == IncidentStatus.MONITORING and public_incident.monitoring_at is None:
        public_incident.monitoring_at = at
    if status == IncidentStatus.RESOLVED:
        public_incident.resolved_at = public_incident.resolved_at or at
    else:
        public_incident.resolved_at = None


def publish(
    *,
    page: Page,
    by,
    name: str,
    status: str,
    body: str,
    component_statuses: dict,
    incident: Incident | None = None,
    display_at: datetime | None = None,
    impact_override: str = "",
    draft: bool = False,
    notify: bool = True,
    via: str = Channel.WEB,
) -> PublicIncident:
    """A new public incident with its first update, and its components' statuses set (a draft
    sets nothing, tells nobody and is not on the public page until `publish_draft`).

    From an internal incident: one per page and incident; its timeline says what was published.
    """
    wanted = _component_statuses(page, component_statuses)
    if incident is not None:
        ensure_may_publish_for_incident(by, incident)
    else:
        ensure_may_publish_standalone(by, list(wanted))
    return _publish(
        page=page,
        by=by,
        name=name,
        status=status,
        body=body,
        wanted=wanted,
        incident=incident,
        display_at=display_at,
        impact_override=impact_override,
        draft=draft,
        notify=notify,
        via=via,
    )


def _already_published(page: Page, incident: Incident) -> PublicIncident | None:
    return PublicIncident.objects.filter(page=page, incident=incident).first()


def _refuse_twice(page: Page, incident: Incident, existing: PublicIncident):
    raise AlreadyPublished(
        f"{incident.reference} is already published on {page.name} as public incident "
        f"{existing.code} ({existing.name!r}): post an update to it instead",
        public_incident=existing,
    )


def _publish(
    *,
    page,
    by,
    name,
    status,
    body,
    wanted,
    incident,
    display_at,
    impact_override,
    draft,
    notify,
    via,
    system: str = "",
) -> PublicIncident:
    name = clean_name(name, max_length=200, what="public incident")
    status = incident_status_value(status)
    body = clean_body(body)
    display_at = display_time(display_at)
    impact_override = _impact_override(impact_override)
    if incident is not None and incident.drill:
        raise Conflict(
            f"{incident.reference} is a drill: drills are never published on a status page",
            field="incident",
        )
    if incident is not None and (existing := _already_published(page, incident)):
        _refuse_twice(page, incident, existing)
    now = timezone.now()
    try:
        with transaction.atomic():
            public_incident = PublicIncident(
                page=page,
                incident=incident,
                name=name,
                impact_override=impact_override,
                started_at=display_at,
                published_at=None if draft else now,
                created_by=by,
            )
            _stamp_status(public_incident, status, display_at)
            public_incident.save()
            public_incident.components.set(list(wanted))
            if draft:
                changes = [affected(c, c.status, s) for c, s in wanted.items()]
            else:
                changes = _set_statuses(public_incident, wanted, by=by, at=now)
            update = IncidentUpdate.objects.create(
                incident=public_incident,
                status=status,
                body=body,
                affected_components=changes,
                display_at=display_at,
                notify_subscribers=notify,
                author=by,
            )
            label = IncidentStatus(status).label
            if draft:
                message = f"Drafted for the status page: {label} – {_excerpt(body)}"
            else:
                message = f"Published to the status page: {label} – {_excerpt(body)}"
            _tell_the_incident(
                public_incident,
                by=by,
                via=via,
                system=system,
                message=message,
                data={"draft": draft},
            )
            if not draft:
                if notify:
                    tell_subscribers_of_update(update)
                rerender_on_commit(page)
    except IntegrityError:
        # Somebody published the same incident at the same moment; theirs stands.
        existing = _already_published(page, incident) if incident is not None else None
        if existing is None:
            raise
        _refuse_twice(page, incident, existing)
    return public_incident


def _locked(public_incident: PublicIncident) -> PublicIncident:
    return (
        PublicIncident.objects.select_for_update(of=("self",))
        .select_related("page", "incident__team")
        .get(pk=public_incident.pk)
    )


def post_update(
    *,
    public_incident: PublicIncident,
    by,
    status: str,
    body: str,
    component_statuses: dict | None = None,
    display_at: datetime | None = None,
    notify: bool = True,
    via: str = Channel.WEB,
) -> IncidentUpdate:
    """A new update: its status becomes the incident's, and it may change component statuses
    (a component it names joins the incident)."""
    ensure_may_post_public_update(by, public_incident)
    page = public_incident.page
    wanted = _component_statuses(page, component_statuses)
    status = incident_status_value(status)
    body = clean_body(body)
    display_at = display_time(display_at)
    with transaction.atomic():
        public_incident = _locked(public_incident)
        draft = public_incident.published_at is None
        now = timezone.now()
        public_incident.components.add(*wanted)
        if draft:
            changes = [affected(c, c.status, s) for c, s in wanted.items()]
        else:
            changes = _set_statuses(public_incident, wanted, by=by, at=now)
        _stamp_status(public_incident, status, display_at)
        public_incident.updated_at = now
        public_incident.save()
        update = IncidentUpdate.objects.create(
            incident=public_incident,
            status=status,
            body=body,
            affected_components=changes,
            display_at=display_at,
            notify_subscribers=notify,
            author=by,
        )
        where = "the status page draft" if draft else "the status page"
        _tell_the_incident(
            public_incident,
            by=by,
            via=via,
            system="",
            message=f"Update on {where}: {IncidentStatus(status).label} – {_excerpt(body)}",
        )
        if not draft:
            if notify:
                tell_subscribers_of_update(update)
            rerender_on_commit(page)
    return update


def resolve_public_incident(
    *,
    public_incident: PublicIncident,
    by,
    body: str,
    restore_components: bool = True,
    display_at: datetime | None = None,
    notify: bool = True,
    via: str = Channel.WEB,
) -> IncidentUpdate:
    """Resolved, with `body` as its last update; its components back to operational, unless
    another unresolved public incident or a running maintenance still holds one (then to the
    status that one holds it in)."""
    ensure_may_post_public_update(by, public_incident)
    body = clean_body(body)
    display_at = display_time(display_at)
    with transaction.atomic():
        public_incident = _locked(public_incident)
        if public_incident.status == IncidentStatus.RESOLVED:
            raise Conflict(
                f"public incident {public_incident.code} is already resolved", field="status"
            )
        draft = public_incident.published_at is None
        now = timezone.now()
        changes = []
        if restore_components and not draft:
            for component in public_incident.components.select_for_update():
                back = held_status(component, releasing_incident=public_incident, now=now)
                back = back or ComponentStatus.OPERATIONAL
                before = apply_status(component, back, by=by, incident=public_incident, at=now)
                if before is not None:
                    changes.append(affected(component, before, back))
        _stamp_status(public_incident, IncidentStatus.RESOLVED, display_at)
        public_incident.updated_at = now
        public_incident.save()
        update = IncidentUpdate.objects.create(
            incident=public_incident,
            status=IncidentStatus.RESOLVED,
            body=body,
            affected_components=changes,
            display_at=display_at,
            notify_subscribers=notify,
            author=by,
        )
        restored = ""
        if changes:
            restored = (
                " ("
                + ", ".join(f"{c['name']} {c['new_status'].replace('_', ' ')}" for c in changes)
                + ")"
            )
        _tell_the_incident(
            public_incident,
            by=by,
            via=via,
            system="",
            message=f"Resolved on the status page{restored}: {_excerpt(body)}",
        )
        if not draft:
            if notify:
                tell_subscribers_of_update(update)
            rerender_on_commit(public_incident.page)
    return update


def publish_draft(*, public_incident: PublicIncident, by, via: str = Channel.WEB) -> PublicIncident:
    """Make a draft public: the component statuses its updates asked for are set, subscribers
    hear its latest update."""
    ensure_may_post_public_update(by, public_incident)
    with transaction.atomic():
        public_incident = _locked(public_incident)
        if public_incident.published_at is not None:
            raise Conflict(
                f"public incident {public_incident.code} is already published", field="draft"
            )
        now = timezone.now()
        wanted: dict[Component, str] = {}
        for update in public_incident.updates.order_by("display_at", "id"):
            wanted.update(_wanted(update))
        if public_incident.status == IncidentStatus.RESOLVED:
            wanted = {}
        changes = _set_statuses(public_incident, wanted, by=by, at=now)
        public_incident.published_at = now
        public_incident.updated_at = now
        public_incident.save()
        latest = public_incident.updates.order_by("-display_at", "-id").first()
        if latest is not None:
            latest.affected_components = changes
            latest.save(update_fields=["affected_components"])
        label = IncidentStatus(public_incident.status).label
        excerpt = _excerpt(latest.body if latest else "")
        _tell_the_incident(
            public_incident,
            by=by,
            via=via,
            system="",
            message=f"Published to the status page: {label} – {excerpt}",
        )
        if latest is not None and latest.notify_subscribers:
            tell_subscribers_of_update(latest)
        rerender_on_commit(public_incident.page)
    return public_incident


def update_public_incident(
    *, public_incident: PublicIncident, by, name: str | None = None, impact_override=None
) -> PublicIncident:
    """Rename it, or set (or with "" remove) its impact override."""
    ensure_may_post_public_update(by, public_incident)
    fields = {}
    if name is not None:
        fields["name"] = clean_name(name, max_length=200, what="public incident")
    if impact_override is not None:
        fields["impact_override"] = _impact_override(impact_override)
    with transaction.atomic():
        public_incident = _locked(public_incident)
        for field, value in fields.items():
            setattr(public_incident, field, value)
        public_incident.updated_at = timezone.now()
        public_incident.save()
        if public_incident.published_at is not None:
            rerender_on_commit(public_incident.page)
    return public_incident


def delete_public_incident(*, public_incident: PublicIncident, by, via: str = Channel.WEB) -> None:
    """Take it off the page with its updates; its components keep the statuses they have."""
    ensure_may_post_public_update(by, public_incident)
    with transaction.atomic():
        public_incident = _locked(public_incident)
        _tell_the_incident(
            public_incident,
            by=by,
            via=via,
            system="",
            message=f"Removed from the status page: {public_incident.name}",
        )
        page = public_incident.page
        public = public_incident.published_at is not None
        public_incident.delete()
        if public:
            rerender_on_commit(page)
