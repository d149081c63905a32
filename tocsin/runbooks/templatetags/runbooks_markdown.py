from django import template
from django.utils.safestring import mark_safe

from tocsin.statuspage.markdown import render

register = template.Library()


@register.filter
def runbook_markdown(body: str) -> str:
    """A runbook's Markdown as HTML, sanitised (tocsin/statuspage/markdown.py)."""
    return mark_safe(render(body))  # noqa: S308 - nh3 has cleaned it
