"""Atom and RSS of a page's published incidents and maintenances, every update included."""

from __future__ import annotations

from django.utils import feedgenerator
from django.utils.html import escape

from .. import markdown


def _content(updates) -> str:
    return "".join(
        f"<p><strong>{escape(u.get_status_display())}</strong></p>{markdown.render(u.body)}"
        for u in sorted(updates, key=lambda u: u.display_at, reverse=True)
    )


def feed(page, url, incidents, maintenances, kind) -> bytes:
    cls = feedgenerator.Atom1Feed if kind == "atom" else feedgenerator.Rss201rev2Feed
    f = cls(title=page.name, link=url, description=f"{page.name} history", language="en")
    items = [(i.started_at, i, f"{url}incidents/{i.code}") for i in incidents]
    items += [(m.scheduled_for, m, f"{url}maintenances/{m.code}") for m in maintenances]
    for at, item, link in sorted(items, key=lambda t: t[0], reverse=True)[:100]:
        f.add_item(
            title=item.name,
            link=link,
            description=_content(item.updates.all()),
            pubdate=at,
            updateddate=item.updated_at,
            unique_id=link,
        )
    return f.writeString("utf-8").encode()
