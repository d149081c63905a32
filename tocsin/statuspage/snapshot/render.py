"""Render a page's public files into Snapshot rows."""


def render_page(page_id: int) -> None:
    """Render every public file of the page (index.html, the JSON API, the feeds)."""
    # Filled in by the public page's renderer.
