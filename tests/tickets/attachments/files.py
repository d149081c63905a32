"""Tiny real files to attach, built here: what a support agent's screenshots, HAR files and
recordings begin with, and the files that only pretend to be one of them."""

import base64
import json
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def png(width: int = 2, height: int = 2, *, padding: int = 0) -> bytes:
    """A real PNG of red pixels; `padding` bytes of a private ancillary chunk make it larger."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = b"".join(b"\x00" + b"\xcc\x00\x00" * width for _ in range(height))
    extra = chunk(b"prVt", b"\x00" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# 2×2 red pixels, written by Chromium's canvas.toDataURL("image/jpeg") and ("image/webp").
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AAB"
    "AAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFla"
    "AAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAA"
    "AChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1"
    "AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBh"
    "cmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAc"
    "AEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQY"
    "GBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgo"
    "KCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAA"
    "AAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABgf/xAAUEQEA"
    "AAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCTADC6v//Z"
)
WEBP = base64.b64decode(
    "UklGRh4CAABXRUJQVlA4WAoAAAAgAAAAAQAAAQAASUNDUMgBAAAAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AAB"
    "AAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFla"
    "AAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAA"
    "AChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1"
    "AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBh"
    "cmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAc"
    "AEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADZWUDggMAAAANABAJ0BKgIAAgABQCYloAJ0ugH4AAOwAP73"
    "WS/+QWlct4A//jKnxlT4yp/xcwAAAA=="
)
# The 1×1 transparent GIF89a every web page has seen.
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(major: bytes = b"isom", compatible=(b"isom", b"iso2", b"avc1", b"mp41")) -> bytes:
    """An ISO base media file: its `ftyp` box (the header the check reads), then media data."""
    ftyp = _box(b"ftyp", major + struct.pack(">I", 512) + b"".join(compatible))
    return ftyp + _box(b"free", b"") + _box(b"mdat", b"\x00" * 64)


def _ebml(element_id: bytes, payload: bytes) -> bytes:
    assert len(payload) < 127
    return element_id + bytes([0x80 | len(payload)]) + payload


def webm(doctype: bytes = b"webm") -> bytes:
    """An EBML header as Chromium's MediaRecorder writes it, then a Segment of unknown size."""
    header = b"".join(
        [
            _ebml(b"\x42\x86", b"\x01"),  # EBMLVersion 1
            _ebml(b"\x42\xf7", b"\x01"),  # EBMLReadVersion 1
            _ebml(b"\x42\xf2", b"\x04"),  # EBMLMaxIDLength 4
            _ebml(b"\x42\xf3", b"\x08"),  # EBMLMaxSizeLength 8
            _ebml(b"\x42\x82", doctype),  # DocType
            _ebml(b"\x42\x87", b"\x04"),  # DocTypeVersion 4
            _ebml(b"\x42\x85", b"\x02"),  # DocTypeReadVersion 2
        ]
    )
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + b"\xec\x80" * 8
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + segment


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/api/v1/tokens')</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20 + b"session.har" + b"\x00" * 40

# The secrets the HAR file below carries; none of them may reach the disk.
SESSION_COOKIE = "sessionid=8f3a9c2e77d14b0f"
BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNlY3JldA"
PASSWORD = "hunter2-correct-horse"


def har() -> bytes:
    """A HAR 1.2 file of a sign-in: a cookie, an Authorization header and a password."""
    entry = {
        "startedDateTime": "2026-12-07T09:30:00.000Z",
        "time": 12.5,
        "request": {
            "method": "POST",
            "url": "https://shop.example.com/login",
            "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": "Cookie", "value": SESSION_COOKIE},
                {"name": "Authorization", "value": BEARER},
                {"name": "Content-Type", "value": "application/x-www-form-urlencoded"},
            ],
            "cookies": [{"name": "sessionid", "value": SESSION_COOKIE.split("=")[1]}],
            "queryString": [],
            "postData": {
                "mimeType": "application/x-www-form-urlencoded",
                "text": f"user=sam&password={PASSWORD}",
                "params": [
                    {"name": "user", "value": "sam"},
                    {"name": "password", "value": PASSWORD},
                ],
            },
            "headersSize": -1,
            "bodySize": -1,
        },
        "response": {
            "status": 500,
            "statusText": "Internal Server Error",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "content": {"size": 5, "mimeType": "text/plain", "text": "oops!"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 1, "wait": 10, "receive": 1.5},
    }
    document = {"log": {"version": "1.2", "creator": {"name": "Chromium", "version": "131"},
                        "entries": [entry]}}  # fmt: skip
    return json.dumps(document).encode()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """A file as Django hands an upload to a view."""
    return SimpleUploadedFile(name, content, content_type=content_type)
