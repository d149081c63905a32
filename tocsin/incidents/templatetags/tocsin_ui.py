"""Small presentation helpers for Tocsin's pages: durations, ages and severity colours."""

import re
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
FALLBACK_COLOUR = "#6b7280"
DARK_TEXT, LIGHT_TEXT = "#111827", "#ffffff"


@register.filter
def duration(value: timedelta | None) -> str:
    """A timedelta as people say it: "45 s", "12 min", "1 h 5 min", "2 d 3 h"."""
    if value is None:
        return ""
    seconds = max(int(value.total_seconds()), 0)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


@register.filter
def age(value: datetime | None) -> str:
    """How long ago `value` was, in the same words as `duration`."""
    if value is None:
        return ""
    return duration(timezone.now() - value)


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(float(int(digits[i : i + 2], 16)) for i in (0, 2, 4))


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: float, b: float) -> float:
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def safe_colour(colour: str | None) -> str:
    """Severity colours are admin-editable data: only a hex colour reaches a style attribute."""
    return colour if colour and HEX_COLOUR.match(colour) else FALLBACK_COLOUR


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def badge_colours(colour: str) -> tuple[str, str]:
    """Background and text for a badge: the severity's colour, nudged until text reads at 4.5:1.

    Picks white or near-black text, whichever contrasts more; a colour that reaches neither
    WCAG AA ratio is darkened (or lightened) a little at a time, keeping its hue.
    """
    rgb = _rgb(colour)
    for _ in range(20):
        background = _luminance(_hex(rgb))
        on_light = _contrast(background, _luminance(LIGHT_TEXT))
        on_dark = _contrast(background, _luminance(DARK_TEXT))
        text = LIGHT_TEXT if on_light >= on_dark else DARK_TEXT
        if max(on_light, on_dark) >= 4.5:
            break
        if text == LIGHT_TEXT:
            rgb = tuple(c * 0.94 for c in rgb)
        else:
            rgb = tuple(c + (255 - c) * 0.1 for c in rgb)
    return _hex(rgb), text


@register.simple_tag
def severity_style(severity) -> str:
    """The inline style that paints a severity badge in its own colour with readable text."""
    background, text = badge_colours(safe_colour(getattr(severity, "color", None)))
    return format_html("--sev: {}; --sev-bg: {}; --sev-fg: {};", background, background, text)
