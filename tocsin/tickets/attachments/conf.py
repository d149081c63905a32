"""What attachments read from the settings, checked: TOCSIN_ATTACHMENT_DIR and the limits.

Each is read from Django's settings (`ATTACHMENT_DIR`, `ATTACHMENT_MAX_IMAGE_MB`, …) when set
there, else from the environment variable of the same name with the TOCSIN_ prefix.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tocsin.tickets.har import MAX_BYTES as HAR_READ_LIMIT
from tocsin.tickets.models import AttachmentKind

MB = 1024 * 1024

# Setting name -> (default in MB or count, what it limits).
DEFAULTS = {
    "ATTACHMENT_MAX_IMAGE_MB": 10,
    "ATTACHMENT_MAX_HAR_MB": 50,
    "ATTACHMENT_MAX_VIDEO_MB": 100,
    "ATTACHMENT_MAX_TICKET_MB": 250,
    "ATTACHMENT_MAX_FILES": 20,
}
_PER_KIND = {
    AttachmentKind.IMAGE: "ATTACHMENT_MAX_IMAGE_MB",
    AttachmentKind.HAR: "ATTACHMENT_MAX_HAR_MB",
    AttachmentKind.VIDEO: "ATTACHMENT_MAX_VIDEO_MB",
}


def _value(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"TOCSIN_{name}", default)
    return str(value).strip()


def _count(name: str) -> int:
    raw = _value(name, str(DEFAULTS[name]))
    try:
        number = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"TOCSIN_{name} must be a whole number, not {raw!r}") from None
    if number < 1:
        raise ImproperlyConfigured(f"TOCSIN_{name} must be at least 1, not {number}")
    return number


def folder() -> Path:
    """Where attachments are stored: TOCSIN_ATTACHMENT_DIR, by default <data dir>/attachments."""
    raw = _value("ATTACHMENT_DIR", "")
    path = Path(raw).expanduser() if raw else Path(settings.DATA_DIR) / "attachments"
    return path.resolve()


def max_bytes(kind: str) -> int:
    """The largest file of this kind (images 10 MB, HAR files 50 MB, recordings 100 MB)."""
    return _count(_PER_KIND[kind]) * MB


def max_ticket_bytes() -> int:
    """All of a ticket's attachments together (250 MB unless set)."""
    return _count("ATTACHMENT_MAX_TICKET_MB") * MB


def max_files() -> int:
    """Files a ticket may have (20 unless set)."""
    return _count("ATTACHMENT_MAX_FILES")


def max_request_bytes() -> int:
    """The largest request body that may carry attachments: a ticket's worth of files, and the
    form's other fields (TOCSIN_MAX_BODY_BYTES) around them."""
    return max_ticket_bytes() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def check() -> None:
    """Read every setting once, so a wrong value stops Tocsin at start with a message naming
    it, not a support agent's upload later."""
    folder()
    for name in DEFAULTS:
        _count(name)
    if max_bytes(AttachmentKind.HAR) > HAR_READ_LIMIT:
        raise ImproperlyConfigured(
            f"TOCSIN_ATTACHMENT_MAX_HAR_MB may be at most {HAR_READ_LIMIT // MB}: larger HAR "
            "files are not read"
        )
