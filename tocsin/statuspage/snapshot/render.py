"""Render a page's public files into Snapshot rows."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import escape

from .. import markdown
from ..models import Component, ComponentGroup, Maintenance, Page, PublicIncident, Snapshot
from . import feeds
from . import statuspage_api as api

JSON = "application/json"
HTML = "text/html; charset=utf-8"


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


def render_page(page_id: int) -> None:
    """Render every public file of the page (index.html, the JSON API)."""
    page = Page.objects.get(pk=page_id)
    groups = list(ComponentGroup.objects.filter(page=page).order_by("position", "pk"))
    components = list(Component.objects.filter(page=page, visible=True).order_by("position", "pk"))
    now = timezone.now()
    url = "/status/" if page.is_default else f"/status/pages/{page.slug}/"
    shown = Prefetch(
        "components", queryset=Component.objects.select_related("group").order_by("position")
    )
    incidents = list(
        PublicIncident.objects.filter(page=page, published_at__isnull=False)
        .prefetch_related("updates", shown)
        .order_by("-started_at", "-pk")
    )
    maintenances = list(
        Maintenance.objects.filter(page=page)
        .prefetch_related("updates", shown)
        .order_by("-scheduled_for", "-pk")
    )
    inc = [api.incident_json(page, i, url) for i in incidents]
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
    rows = "".join(
        f'<li class="component {escape(c.status)}">{escape(c.name)}'
        f" <span>{escape(c.get_status_display())}</span></li>"
        for c in components
    )
    active_incidents = "".join(
        f'<section class="incident"><h2>{escape(i.name)}</h2>'
        + "".join(
            f'<div class="update"><strong>{escape(u.get_status_display())}</strong>'
            f"{markdown.render(u.body)}</div>"
            for u in sorted(i.updates.all(), key=lambda u: u.display_at, reverse=True)
        )
        + "</section>"
        for i in incidents
        if i.status != "resolved"
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(page.name)}</title></head><body>"
        f'<h1>{escape(page.name)}</h1><p class="banner">{escape(status["description"])}</p>'
        f'<ul class="components">{rows}</ul>{active_incidents}</body></html>'
    )
    with transaction.atomic():
        for name, body in files.items():
            _store(page, name, json.dumps(body).encode(), JSON)
        _store(page, "index.html", html.encode(), HTML)
        _store(
            page,
            "history.atom",
            feeds.feed(page, url, incidents, maintenances, "atom"),
            "application/atom+xml; charset=utf-8",
        )
        _store(
            page,
            "history.rss",
            feeds.feed(page, url, incidents, maintenances, "rss"),
            "application/rss+xml; charset=utf-8",
        )
