from django import template
from django.utils.safestring import mark_safe

from tocsin.statuspage.markdown import render

register = template.Library()


@register.filter
def drill_markdown(body: str) -> str:
    """A scenario's description as HTML, sanitised (tocsin/statuspage/markdown.py)."""
    return mark_safe(render(body))  # noqa: S308 - nh3 has cleaned it


@register.filter
def duration(value) -> str:
    """A timedelta as "4 min 30 s", "1 h 5 min"; "–" for none; "-2 min" when negative."""
    if value is None:
        return "–"
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if seconds or not parts:
        parts.append(f"{seconds} s")
    return sign + " ".join(parts)
