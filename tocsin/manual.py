"""The user documentation (docs/ in the source tree), served as pages at /docs/…, so that what
the UI refers to is a link a person can follow on their own instance, with no network.

Markdown is rendered by markdown-it-py with raw HTML turned off, so a page can hold no markup of
its own; links keep their relative form (docs/a.md links to b.md as /docs/b.md), and images are
not served.
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def page_path(page: str) -> Path:
    """The Markdown file for /docs/<page>; Http404 for anything outside docs/ or not a page."""
    root = Path(settings.DOCS_DIR).resolve()
    if not page.endswith(".md") or "\x00" in page:
        raise Http404("No such page in the documentation.")
    path = (root / page).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404("No such page in the documentation.")
    return path


@require_GET
def doc_page(request, page: str):
    text = page_path(page).read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), page)
    html = mark_safe(_renderer().render(text))  # raw HTML is off: the renderer escapes it
    return render(request, "tocsin/doc_page.html", {"title": title, "html": html, "page": page})
