"""Render a page's public files into Snapshot rows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from .. import markdown, uptime
from ..models import (
    COMPONENT_STATUS_RANK,
    Component,
    ComponentGroup,
    ComponentStatus,
    Maintenance,
    MaintenanceStatus,
    Page,
    PublicIncident,
    Snapshot,
)
from . import copies, feeds
from . import statuspage_api as api

JSON = "application/json"
HTML = "text/html; charset=utf-8"


API_FILES = (
    "api/v2/status.json",
    "api/v2/components.json",
    "api/v2/incidents.json",
    "api/v2/incidents/unresolved.json",
    "api/v2/scheduled-maintenances.json",
    "api/v2/scheduled-maintenances/upcoming.json",
    "api/v2/scheduled-maintenances/active.json",
    "api/v2/summary.json",
)
FILES = (*API_FILES, "index.html", "history.html", "history.atom", "history.rss")


def _store(page, name, content: bytes, content_type: str) -> None:
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    Snapshot.objects.update_or_create(
        page=page,
        name=name,
        defaults={
            "content": content,
            "content_type": content_type,
            "etag": etag,
            "rendered_at": timezone.now(),
        },
    )


@dataclass(frozen=True)
class Links:
    """What a rendered HTML file links to: its page's base and the stylesheet."""

    base: str
    css: str


def served(url: str) -> Links:
    return Links(url, static("statuspage/status.css"))


def render_page(page_id: int) -> None:
    """Render every public file of the page (index.html, the JSON API) into its snapshot."""
    page = Page.objects.get(pk=page_id)
    url = page_url(page)
    links = served(url)
    rendered = build(page, url, index_links=links, history_links=links)
    with transaction.atomic():
        for name, (content, content_type) in rendered.items():
            _store(page, name, content, content_type)
    copies.forget(page.pk)


def build(page, url: str, *, index_links: Links, history_links: Links) -> dict:
    """Every file of the snapshot by name, as (content, content type); `url` is where the JSON
    and the feeds say the page is."""
    groups = list(ComponentGroup.objects.filter(page=page).order_by("position", "pk"))
    components = list(Component.objects.filter(page=page, visible=True).order_by("position", "pk"))
    now = timezone.now()
    shown = Prefetch(
        "components", queryset=Component.objects.select_related("group").order_by("position")
    )
    updates = _updates(page)
    incidents, detailed = _incidents(page, now, shown)
    maintenances = list(
        Maintenance.objects.filter(page=page)
        .prefetch_related(*updates, shown)
        .order_by("-scheduled_for", "-pk")
    )
    inc = [api.incident_json(page, i, url) for i in incidents if i.pk in detailed]
    unresolved = [i for i in inc if i["status"] != "resolved"]
    mnt = [api.maintenance_json(page, m, url, now) for m in maintenances]
    upcoming = [m for m in mnt if m["status"] == "scheduled"]
    active = [m for m in mnt if m["status"] in ("in_progress", "verifying")]
    status = api.status_json(components, active_maintenance=bool(active))
    comps = api.components_json(page, groups, components)
    head = {"page": api.page_json(page, url, now)}
    files = {
        "api/v2/status.json": head | {"status": status},
        "api/v2/components.json": head | {"components": comps},
        "api/v2/incidents.json": head | {"incidents": inc[:50]},
        "api/v2/incidents/unresolved.json": head | {"incidents": unresolved},
        "api/v2/scheduled-maintenances.json": head | {"scheduled_maintenances": mnt[:50]},
        "api/v2/scheduled-maintenances/upcoming.json": head | {"scheduled_maintenances": upcoming},
        "api/v2/scheduled-maintenances/active.json": head | {"scheduled_maintenances": active},
        "api/v2/summary.json": head
        | {
            "components": comps,
            "incidents": unresolved,
            "scheduled_maintenances": upcoming + active,
            "status": status,
        },
    }
    html = _index_html(page, index_links, now, groups, components, incidents, maintenances, status)
    rendered = {name: (json.dumps(body).encode(), JSON) for name, body in files.items()}
    rendered["index.html"] = (html.encode(), HTML)
    rendered["history.html"] = (_history_html(page, history_links, incidents, maintenances), HTML)
    rendered["history.atom"] = (
        feeds.feed(page, url, incidents, maintenances, "atom"),
        "application/atom+xml; charset=utf-8",
    )
    rendered["history.rss"] = (
        feeds.feed(page, url, incidents, maintenances, "rss"),
        "application/rss+xml; charset=utf-8",
    )
    return rendered


DETAILED = 100  # the newest incidents read with their updates: the feeds' and the JSON's


def _incidents(page, now, shown: Prefetch) -> tuple[list, set[int]]:
    """Every published incident, newest first, and the pks of those read with their updates
    and components: the newest DETAILED (the feeds, incidents.json), the unresolved and those
    resolved in the last seven days (the page). The rest only need a line in the history, so
    a page with thousands of past incidents does not read all their updates on every change."""
    published = PublicIncident.objects.filter(page=page, published_at__isnull=False)
    everything = list(published.order_by("-started_at", "-pk"))
    wanted = {i.pk for i in everything[:DETAILED]} | {
        i.pk
        for i in everything
        if i.status != "resolved" or (i.resolved_at and i.resolved_at >= now - timedelta(days=7))
    }
    detailed = {
        i.pk: i for i in published.filter(pk__in=wanted).prefetch_related(*_updates(page), shown)
    }
    return [detailed.get(i.pk, i) for i in everything], set(detailed)


def _history_html(page, links: Links, incidents, maintenances) -> bytes:
    """Every published incident and maintenance, newest first, by month, linked to its page."""
    tz = ZoneInfo(page.time_zone)
    now = timezone.now()
    entries = [
        {
            "name": i.name,
            "reference": reference(page, i),
            "link": f"{links.base}incidents/{i.code}",
            "at": i.started_at,
            "state": i.get_status_display(),
        }
        for i in incidents
    ]
    entries += [
        {
            "name": m.name,
            "link": f"{links.base}maintenances/{m.code}",
            "at": m.scheduled_for,
            "state": MaintenanceStatus(m.status_at(now)).label,
        }
        for m in maintenances
    ]
    entries.sort(key=lambda e: e["at"], reverse=True)
    for entry in entries:
        entry["month"] = entry["at"].astimezone(tz).strftime("%B %Y")
    return _render(
        page,
        "statuspage/public/history.html",
        {"page": page, "base": links.base, "css": links.css, "entries": entries},
    ).encode()


def _render(page, template: str, context: dict) -> str:
    """A public template, its times shown in the page's time zone."""
    with timezone.override(ZoneInfo(page.time_zone)):
        return render_to_string(template, context)


def page_url(page) -> str:
    return "/status/" if page.is_default else f"/status/pages/{page.slug}/"


def render_item(page, kind: str, code: str, links: Links | None = None) -> bytes | None:
    """The permalink page of one published incident or one maintenance, or None.

    One object and its updates: read when asked, not kept as a snapshot, so a page with
    thousands of past incidents does not re-render them all on every change."""
    links = links or served(page_url(page))
    shown = Prefetch(
        "components", queryset=Component.objects.filter(visible=True).order_by("position", "pk")
    )
    if kind == "incident":
        item = (
            PublicIncident.objects.filter(page=page, code=code, published_at__isnull=False)
            .prefetch_related(*_updates(page), shown)
            .first()
        )
        if item is None:
            return None
        state, impact, window = item.get_status_display(), api.impact(item), False
    else:
        item = (
            Maintenance.objects.filter(page=page, code=code)
            .prefetch_related(*_updates(page), shown)
            .first()
        )
        if item is None:
            return None
        state = MaintenanceStatus(item.status_at(timezone.now())).label
        impact, window = None, True
    return _render(
        page,
        "statuspage/public/item.html",
        {
            "page": page,
            "base": links.base,
            "css": links.css,
            "kind": kind,
            "item": item,
            "state": state,
            "impact": impact,
            "window": window,
            "components": list(item.components.all()),
            "reference": reference(page, item) if kind == "incident" else "",
            "updates": _with_html(page, item.updates.all()),
        },
    ).encode()


def _updates(page) -> tuple[str, ...]:
    """An incident's or a maintenance's updates, with their authors when the page shows them."""
    if page.show_authors:
        return ("updates", "updates__author")
    return ("updates",)


def reference(page, incident) -> str:
    """The internal incident's number (INC-12), when the page chose to show it."""
    if page.show_incident_numbers and incident.incident_id:
        return f"INC-{incident.incident_id}"
    return ""


def author(page, update) -> str:
    """Who wrote an update, when the page chose to show it."""
    if page.show_authors and update.author_id:
        return update.author.get_full_name() or update.author.username
    return ""


def _with_html(page, updates) -> list:
    shown = sorted(updates, key=lambda u: u.display_at, reverse=True)
    for update in shown:
        # Sanitised by nh3 in markdown.render: the one place people's HTML is let through.
        update.html = mark_safe(markdown.render(update.body))  # noqa: S308
        update.author_name = author(page, update)
    return shown


def _bar_title(bar) -> str:
    """What hovering a day's bar says: the day, its uptime and its worst status."""
    if bar["uptime"] is None:
        return f"{bar['day'].isoformat()}: no data"
    title = f"{bar['day'].isoformat()}: {100 * bar['uptime']:.2f} % up"
    if bar["worst"] and bar["worst"] != ComponentStatus.OPERATIONAL:
        title += f", {ComponentStatus(bar['worst']).label}"
    return title


def _shown(component) -> bool:
    return not (component.only_show_if_degraded and component.status == ComponentStatus.OPERATIONAL)


def _rows(components, bars_of: dict) -> list[dict]:
    rows = []
    for component in filter(_shown, components):
        bars = bars_of.get(component.pk, [])
        # 90 spans a component: joined here, escaped, rather than looped over in the template.
        spans = format_html_join(
            "",
            '<span class="bar bar-{}" title="{}"></span>',
            ((bar["worst"] or "none", _bar_title(bar)) for bar in bars),
        )
        rows.append(
            {
                "component": component,
                "bars": spans,
                "percent": uptime.uptime_percent(component, bars=bars) if bars else None,
            }
        )
    return rows


def _index_html(
    page, links: Links, now, groups, components, incidents, maintenances, status
) -> str:
    """The page: the worst status first, what is going on, the components by group with their
    90-day uptime, and the last seven days."""
    worst = max(
        (c.status for c in components),
        key=lambda s: COMPONENT_STATUS_RANK.get(s, 0),
        default=ComponentStatus.OPERATIONAL,
    )
    bars_of = uptime.bars_of([c for c in components if c.showcase and _shown(c)])
    sections = [
        {"group": None, "rows": _rows([c for c in components if c.group_id is None], bars_of)}
    ]
    sections += [
        {"group": group, "rows": _rows([c for c in components if c.group_id == group.pk], bars_of)}
        for group in groups
    ]
    visible = {c.pk for c in components}
    active, recent = [], []
    for incident in incidents:
        if incident.status != "resolved":
            active.append(incident)
        elif incident.resolved_at and incident.resolved_at >= now - timedelta(days=7):
            recent.append(incident)
        else:
            continue  # not on the page: its history and permalink show it
        incident.shown_updates = _with_html(page, incident.updates.all())
        incident.reference = reference(page, incident)
        incident.impact = api.impact(incident)
    current = []
    for maintenance in maintenances:
        state = maintenance.status_at(now)
        if state == MaintenanceStatus.COMPLETED:
            continue
        maintenance.status_label = MaintenanceStatus(state).label
        maintenance.shown_updates = _with_html(page, maintenance.updates.all())
        maintenance.shown_components = [c for c in maintenance.components.all() if c.pk in visible]
        current.append(maintenance)
    return _render(
        page,
        "statuspage/public/index.html",
        {
            "page": page,
            "base": links.base,
            "css": links.css,
            "worst": worst,
            "worst_label": (
                "All systems operational"
                if worst == ComponentStatus.OPERATIONAL
                else ComponentStatus(worst).label
            ),
            "status": status,
            "sections": [section for section in sections if section["rows"]],
            "active_incidents": active,
            "current_maintenances": sorted(current, key=lambda m: m.scheduled_for),
            "recent": recent,
        },
    )
