"""Each web process's copy of the files it served, so a busy page is served from memory.

A copy is served as it is for `FRESH` seconds after its ETag was last checked against the
database; after that the next request checks the ETag (one small query) and reads the content
again only when it changed. A render in this process forgets its page's copies at once; a
render in another process is seen here within `FRESH` seconds. The page's own settings (is it
public?) are kept the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

FRESH = 0.25  # seconds


@dataclass
class Copy:
    etag: str
    rendered_at: object
    content_type: str
    content: bytes
    checked: float


_pages: dict[str | None, tuple] = {}  # slug (None: the default page) -> (page, checked)
_files: dict[tuple[int, str], Copy] = {}


def fresh(checked: float) -> bool:
    return time.monotonic() - checked < FRESH


def page(slug, load):
    found = _pages.get(slug)
    if found and fresh(found[1]):
        return found[0]
    loaded = load(slug)
    _pages[slug] = (loaded, time.monotonic())
    return loaded


def file(page_id: int, name: str, load_etag, load_content) -> Copy | None:
    """The file from memory while fresh; else its ETag from the database, and its content
    from the database only when the ETag changed."""
    copy = _files.get((page_id, name))
    if copy and fresh(copy.checked):
        return copy
    found = load_etag()
    if found is None:
        _files.pop((page_id, name), None)
        return None
    etag, rendered_at, content_type = found
    if copy is None or copy.etag != etag:
        content = load_content(etag)
        if content is None:  # rendered again between the two reads
            return file(page_id, name, load_etag, load_content)
        copy = Copy(etag, rendered_at, content_type, bytes(content), 0.0)
        _files[(page_id, name)] = copy
    copy.checked = time.monotonic()
    return copy


def forget(page_id: int | None = None) -> None:
    """Drop this process's copies (of one page's files, or of everything)."""
    _pages.clear()
    for key in [k for k in _files if page_id is None or k[0] == page_id]:
        del _files[key]
