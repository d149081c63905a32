"""`tocsin statuspage export DIR`: the whole page as static files, to host anywhere.

The layout serves from any web server or CDN that answers a directory with its index.html:

    index.html                      the page
    history/index.html              every incident and maintenance
    incidents/<code>/index.html     one incident (its permalink)
    maintenances/<code>/index.html  one maintenance
    api/v2/*.json                   the Statuspage-compatible JSON
    history.atom, history.rss       the feeds
    status.css                      the stylesheet

HTML links are relative, so the copy works under any path. The JSON and the feeds say where
the page is (`page.url`, `shortlink`, feed links): `base_url`, the address the copy is served at.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.contrib.staticfiles import finders

from ..models import Maintenance, Page, PublicIncident
from .render import Links, build, render_item

INDEX = Links("", "status.css")
ONE_DOWN = Links("../", "../status.css")
TWO_DOWN = Links("../../", "../../status.css")
WHERE = {"index.html": "index.html", "history.html": "history/index.html"}


def _write(root: Path, name: str, content: bytes) -> None:
    """Write through a temporary file and a rename, so a web server serving the directory
    while it is exported never sends half a file."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tocsin-")
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def export(page: Page, directory: Path, base_url: str = "/") -> list[str]:
    """Write every public file of `page` under `directory`; return the names written."""
    if not base_url.endswith("/"):
        base_url += "/"
    written = {}
    for name, (content, _type) in build(
        page, base_url, index_links=INDEX, history_links=ONE_DOWN
    ).items():
        written[WHERE.get(name, name)] = content
    codes = PublicIncident.objects.filter(page=page, published_at__isnull=False)
    for code in codes.values_list("code", flat=True):
        written[f"incidents/{code}/index.html"] = render_item(page, "incident", code, TWO_DOWN)
    for code in Maintenance.objects.filter(page=page).values_list("code", flat=True):
        written[f"maintenances/{code}/index.html"] = render_item(
            page, "maintenance", code, TWO_DOWN
        )
    written["status.css"] = Path(finders.find("statuspage/status.css")).read_bytes()
    root = Path(directory)
    for name, content in written.items():
        _write(root, name, content)
    return sorted(written)
