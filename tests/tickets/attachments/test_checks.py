"""What a file is, from its first bytes: the signatures of the accepted types, and the look-alikes
that are refused."""

import pytest

from tocsin.tickets.attachments.checks import describe, is_svg, sniff

from . import files


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (files.png(), "image/png"),
        (files.JPEG, "image/jpeg"),
        (files.GIF, "image/gif"),
        (files.WEBP, "image/webp"),
        (files.mp4(), "video/mp4"),
        (files.mp4(b"mp42", (b"mp42", b"isom")), "video/mp4"),
        (files.mp4(b"XAVC", (b"XAVC", b"mp42")), "video/mp4"),  # an MP4 brand among the rest
        (files.webm(), "video/webm"),
    ],
)
def test_the_accepted_types(content, content_type):
    assert sniff(content).content_type == content_type


@pytest.mark.parametrize(
    "content",
    [
        files.mp4(b"heic", (b"mif1", b"heic")),  # a HEIF photo
        files.mp4(b"qt  ", (b"qt  ",)),  # a QuickTime movie
        files.webm(b"matroska"),
        b"\x00\x00\x00\x18ftypisom",  # cut short
        b"RIFF\x00\x00\x00\x00WAVEfmt ",  # a sound, not a WebP image
        files.SVG,
        files.HTML,
        b"\x1a\x45\xdf\xa3",  # only the EBML magic
    ],
)
def test_look_alikes_are_not_accepted(content):
    assert sniff(content) is None


def test_svg_is_recognised_however_it_begins():
    assert is_svg(files.SVG)
    assert is_svg(b"\xef\xbb\xbf\n  <svg xmlns='http://www.w3.org/2000/svg'></svg>")
    assert is_svg(b"<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN'><svg/>")
    assert not is_svg(b"<?xml version='1.0'?><feed/>")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (files.HTML, "an HTML page"),
        (files.ZIP, "a ZIP archive"),
        (b"\x1f\x8b\x08\x00", "a gzip archive"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"just some notes", "plain text"),
        (b"\x00\x01\x02\x03\xff\xfe\x00\x00\x00", "a binary file of a kind Tocsin does not know"),
    ],
)
def test_what_a_refused_file_seems_to_be(content, words):
    assert describe(content) == words
