"""The snapshot: every public file of a page, rendered when something public changes.

Services call `rerender_on_commit(page)` inside their transaction; the page is rendered once
the transaction commits (once per page, however many changes the transaction made), so a
visitor never sees a change that rolled back and never waits for one to be aggregated.
"""

from django.db import transaction

from .render import render_page

__all__ = ["rerender_on_commit", "render_page"]


def rerender_on_commit(page) -> None:
    transaction.on_commit(lambda: render_page(page.pk))
