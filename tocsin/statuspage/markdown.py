"""Update bodies are Markdown written by people: rendered by markdown-it-py, then sanitised by nh3.

Raw HTML in the source is not rendered (markdown-it's `html` is off), and whatever the renderer
makes goes through Ammonia's allow-list anyway, so a body can never carry a script, a style, an
event handler or a `javascript:` link to the page, an e-mail or a feed.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["strikethrough", "table"]
)

TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render(body: str) -> str:
    """Safe HTML for a Markdown body; headings start at h3, under the page's own."""
    html = _markdown.render(body or "")
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    ).strip()


def plain(body: str) -> str:
    """The body as text, for text e-mails and titles: the Markdown source, which reads as text."""
    return (body or "").strip()
