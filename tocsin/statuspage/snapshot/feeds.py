"""Atom and RSS of a page's published incidents and maintenances, every update included."""

from __future__ import annotations

import re

from django.utils import feedgenerator
from django.utils.html import escape

from .. import markdown

# Not in XML 1.0: what was stored before names and bodies refused control characters must not
# stop the feed (and with it the whole page) from being rendered.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _content(updates) -> str:
    return "".join(
        f"<p><strong>{escape(u.get_status_display())}</strong></p>{markdown.render(u.body)}"
        for u in sorted(updates, key=lambda u: u.display_at, reverse=True)
    )


def feed(page, url, incidents, maintenances, kind) -> bytes:
    cls = feedgenerator.Atom1Feed if kind == "atom" else feedgenerator.Rss201rev2Feed
    name = _xml(page.name)
    f = cls(title=name, link=url, description=f"{name} history", language="en")
    items = [(i.started_at, i, f"{url}incidents/{i.code}") for i in incidents]
    items += [(m.scheduled_for, m, f"{url}maintenances/{m.code}") for m in maintenances]
    for at, item, link in sorted(items, key=lambda t: t[0], reverse=True)[:100]:
        f.add_item(
            title=_xml(item.name),
            link=link,
            description=_xml(_content(item.updates.all())),
            pubdate=at,
            updateddate=item.updated_at,
            unique_id=link,
        )
    return f.writeString("utf-8").encode()
