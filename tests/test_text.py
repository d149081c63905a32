"""People's text on display: bidi controls in titles are neutralised, links in descriptions and
notes are clickable and only ever http or https."""

import pytest
from django.template import Context, Template

from tocsin.text import isolated, linkified, without_bidi_controls

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_every_bidi_control_is_removed_from_a_title():
    assert without_bidi_controls(f"a{CONTROLS}b") == "ab"


def test_a_right_to_left_override_cannot_disguise_a_file_name():
    html = isolated("invoice\u202egpj.exe <b>")
    assert html == "<bdi>invoicegpj.exe &lt;b&gt;</bdi>"


def test_right_to_left_letters_stay_and_are_isolated():
    assert isolated("שלום world") == "<bdi>שלום world</bdi>"


def test_a_link_becomes_clickable_and_does_not_pass_on_the_page():
    html = linkified("Dashboard: https://grafana.example.com/d/abc?from=now-1h&to=now.")
    assert html == (
        'Dashboard: <a href="https://grafana.example.com/d/abc?from=now-1h&amp;to=now" '
        'rel="noopener noreferrer nofollow">https://grafana.example.com/d/abc?from=now-1h&amp;to=now'
        "</a>."
    )


def test_a_link_in_brackets_keeps_the_bracket_outside():
    html = linkified("(see http://wiki.example/Run_(book))")
    assert 'href="http://wiki.example/Run_(book)"' in html
    assert html.endswith("</a>)")


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "https://",
    ],
)
def test_only_http_and_https_become_links(text):
    html = linkified(text)
    assert "<a" not in html
    assert "<script>" not in html


def test_markup_around_and_inside_links_is_escaped():
    html = linkified('<img src=x onerror=alert(1)> https://x.example/"onmouseover=alert(1)')
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="https://x.example/"' in html
    assert "&quot;onmouseover=alert(1)" in html


def test_the_filters_in_a_template():
    template = Template(
        "{% load tocsin_text %}{{ title|isolate }}|{{ title|nobidi }}|{{ note|linkify }}"
    )
    out = template.render(
        Context({"title": "a\u202eb<c>", "note": "see https://status.example.com now"})
    )
    assert out == (
        "<bdi>ab&lt;c&gt;</bdi>|ab&lt;c&gt;|see "
        '<a href="https://status.example.com" rel="noopener noreferrer nofollow">'
        "https://status.example.com</a> now"
    )


def test_a_note_quoting_a_title_loses_its_bidi_controls_too():
    assert linkified("Declared: a\u202eb https://x.example/\u202ec") == (
        'Declared: ab <a href="https://x.example/c" rel="noopener noreferrer nofollow">'
        "https://x.example/c</a>"
    )
