"""What a file is, decided from its first bytes, never from its name.

Screenshots: PNG, JPEG, GIF and WebP by their signatures. Recordings: MP4 (an ISO base media
file whose `ftyp` box names an MP4 brand) and WebM (an EBML header whose DocType is `webm`).
HAR files: JSON, read and redacted by `tocsin.tickets.har`. Everything else is refused, SVG
first of all: it is a document that can carry script, not a picture.
"""

from dataclasses import dataclass

from tocsin.errors import ValidationFailed
from tocsin.tickets.models import AttachmentKind

FIELD = "attachments"
ACCEPTED = "PNG, JPEG, GIF or WebP screenshots, HAR files, MP4 or WebM screen recordings"
# What the file picker offers; the server decides from the content all the same.
ACCEPT = "image/png,image/jpeg,image/gif,image/webp,.har,application/json,video/mp4,video/webm"

# Brands of the ISO base media file format that are MP4 (ISO/IEC 14496-12 and -14, and the
# brands encoders write for it); QuickTime (`qt  `) and HEIF images (`heic`, `mif1`) are not.
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"dash", b"msnv", b"M4V ", b"f4v ",
}  # fmt: skip

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = 0x4282


@dataclass(frozen=True)
class Sniffed:
    kind: str
    content_type: str
    label: str  # "PNG image", "WebM video"


def _image(content_type: str, label: str) -> Sniffed:
    return Sniffed(AttachmentKind.IMAGE, content_type, label)


def sniff(head: bytes) -> Sniffed | None:
    """The screenshot or recording these first bytes begin, or None (maybe a HAR file)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _image("image/png", "PNG image")
    if head.startswith(b"\xff\xd8\xff"):
        return _image("image/jpeg", "JPEG image")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _image("image/gif", "GIF image")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _image("image/webp", "WebP image")
    if _is_mp4(head):
        return Sniffed(AttachmentKind.VIDEO, "video/mp4", "MP4 video")
    if _ebml_doctype(head) == b"webm":
        return Sniffed(AttachmentKind.VIDEO, "video/webm", "WebM video")
    return None


def _is_mp4(head: bytes) -> bool:
    """An `ftyp` box first, whose major brand or one of whose compatible brands is MP4."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    if size < 16 or size % 4:
        return False
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
    return any(brand in MP4_BRANDS for brand in brands)


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, length), None if it does not fit."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, length


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType inside the EBML header these bytes begin with (b"webm", b"matroska")."""
    if not head.startswith(_EBML_MAGIC):
        return None
    size = _vint(head, 4, keep_marker=False)
    if size is None:
        return None
    at = 4 + size[1]
    end = min(at + size[0], len(head))
    while at < end:
        element = _vint(head, at, keep_marker=True)
        if element is None:
            return None
        length = _vint(head, at + element[1], keep_marker=False)
        if length is None:
            return None
        start = at + element[1] + length[1]
        if element[0] == _EBML_DOCTYPE:
            return head[start : start + length[0]].rstrip(b"\x00")
        at = start + length[0]
    return None


def _text_start(head: bytes) -> bytes:
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()


def is_svg(head: bytes) -> bool:
    text = _text_start(head)
    return text.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in head.lower()


def looks_like_json(head: bytes) -> bool:
    return _text_start(head).startswith((b"{", b"["))


def describe(head: bytes) -> str:
    """What a refused file seems to be, for the message: 'an HTML page', 'a ZIP archive'."""
    text = _text_start(head)
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "an HTML page"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "a ZIP archive"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip archive"
    if head.startswith(b"%PDF-"):
        return "a PDF document"
    if text.startswith(b"<"):
        return "an XML or HTML document"
    if head[4:8] == b"ftyp":
        return "a media file that is not MP4 (QuickTime or HEIF)"
    if head.startswith(_EBML_MAGIC):
        return "a Matroska file that is not WebM"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not merely a character cut at the end of the head
            return "a binary file of a kind Tocsin does not know"
    return "plain text"


def refuse(name: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {reason}", field=FIELD)


def not_accepted(name: str, head: bytes) -> ValidationFailed:
    if is_svg(head):
        return refuse(
            name,
            "SVG images are refused: an SVG file can carry script. Attach a PNG or JPEG "
            "screenshot instead",
        )
    seems = describe(head)
    if name.lower().endswith(".har"):
        return refuse(name, f"not a HAR file: it is {seems}")
    return refuse(name, f"Tocsin accepts {ACCEPTED}; this file is {seems}")
