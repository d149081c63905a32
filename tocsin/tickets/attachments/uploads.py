"""Requests that carry attachments: they may be as large as a ticket's attachments may be
(TOCSIN_ATTACHMENT_MAX_TICKET_MB, and the form's fields around them), where every other
request keeps TOCSIN_MAX_BODY_BYTES; a body declared larger is refused before it is read."""

from django.conf import settings

from tocsin.errors import DomainError
from tocsin.http import allow_large_bodies

from . import conf
from .services import human_size

# The URLs whose requests carry attachments: the ticket's "Attach files" form, "New ticket"
# (whose form has a file field), and the API's upload.
UPLOAD_URL_NAMES = ("ticket-attachment-add", "ticket-create", "tickets_attachments")


class UploadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


def refusal(request) -> UploadTooLarge | None:
    """Why this request's body is refused, from its headers alone; None when it may be read."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    length = int(declared) if declared.isdigit() else 0
    small = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() and length > small:
        return UploadTooLarge(
            f"a chunked upload may be at most {human_size(small)}; send the files with a "
            "Content-Length (as browsers and curl -F do)",
            field="attachments",
        )
    limit = conf.max_request_bytes()
    if length > limit:
        return UploadTooLarge(
            f"the upload is {human_size(length)}; a ticket's attachments may come to at most "
            f"{human_size(conf.max_ticket_bytes())}",
            field="attachments",
        )
    return None


for _name in UPLOAD_URL_NAMES:
    allow_large_bodies(_name, conf.max_request_bytes)
