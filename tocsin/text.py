"""People's text shown to other people: titles without direction tricks, links made clickable.

A title can carry Unicode bidirectional controls (a right-to-left override turns
"invoice\u202egpj.exe" into something that reads "invoiceexe.jpg"). Everywhere Tocsin shows a
title to a person (pages, e-mail subjects, chat cards) the controls are removed, and pages
isolate the title in <bdi> so right-to-left text cannot reorder what stands around it.
Descriptions and notes lose the controls too: a timeline line can quote a title.
Webhook payloads carry the title exactly as it was written.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the left-to-right and
# right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

# Only http and https: a link in an incident's description must not run script (javascript:)
# or open something other than a web page (data:, file:).
LINK = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.I)
TRAILING = ".,;:!?'\""
LINK_REL = "noopener noreferrer nofollow"


def without_bidi_controls(text: str | None) -> str:
    """The text with every bidirectional control character removed."""
    return BIDI_CONTROLS.sub("", text or "")


def isolated(text: str | None) -> SafeString:
    """HTML for a title: escaped, without bidi controls, isolated in <bdi>."""
    return mark_safe(f"<bdi>{escape(without_bidi_controls(text))}</bdi>")


def _split_trailing(url: str) -> tuple[str, str]:
    """A link at the end of a sentence keeps its full stop, and "(see https://x/y)" its bracket."""
    tail = ""
    while url:
        last = url[-1]
        if last in TRAILING or (last == ")" and url.count("(") < url.count(")")):
            url, tail = url[:-1], last + tail
        else:
            break
    return url, tail


def linkified(text: str | None) -> SafeString:
    """HTML for a description or a note: escaped, without bidi controls (a note can quote a
    title), with its http and https links clickable."""
    text = without_bidi_controls(text)
    pieces, position = [], 0
    for match in LINK.finditer(text):
        url, tail = _split_trailing(match.group())
        if len(url) <= len("https://"):
            continue
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f'<a href="{escape(url)}" rel="{LINK_REL}">{escape(url)}</a>')
        position = match.start() + len(url)
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))
