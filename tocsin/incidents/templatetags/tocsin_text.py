"""Filters for people's text on pages: `isolate` for titles, `linkify` for descriptions and notes,
`nobidi` where a title goes into plain text (the <title> element, an attribute)."""

from django import template

from tocsin import text

register = template.Library()


@register.filter(is_safe=False)
def isolate(value) -> str:
    """`{{ incident.title|isolate }}`: escaped, bidi controls removed, inside <bdi>."""
    return text.isolated("" if value is None else str(value))


@register.filter
def nobidi(value) -> str:
    """`{{ incident.title|nobidi }}`: the bidi controls removed; autoescaping still applies."""
    return text.without_bidi_controls("" if value is None else str(value))


@register.filter(is_safe=False)
def linkify(value) -> str:
    """`{{ incident.description|linkify }}`: escaped, http and https links clickable."""
    return text.linkified("" if value is None else str(value))
