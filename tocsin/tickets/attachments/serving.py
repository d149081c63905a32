"""An attachment's bytes, as the type decided at upload, never as anything a browser guesses:
`Content-Disposition` (inline for screenshots and recordings, a download for HAR files),
`X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`, so even a file that
is not what it seemed cannot run script in Tocsin's origin."""

from django.http import FileResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from tocsin.errors import NotFound
from tocsin.tickets.models import Attachment, AttachmentKind

from . import storage

INLINE_KINDS = {AttachmentKind.IMAGE, AttachmentKind.VIDEO}


def url_of(attachment: Attachment) -> str:
    return reverse("ticket-attachment", args=[attachment.ticket_id, attachment.pk, attachment.name])


def file_response(attachment: Attachment) -> FileResponse:
    """The stored file; NotFound when it is missing on disk (a restore without the folder)."""
    try:
        handle = storage.path_of(attachment.stored_as).open("rb")
    except (OSError, ValueError):
        raise NotFound(
            f"the file of {attachment.name} is missing from the attachment folder"
        ) from None
    inline = attachment.kind in INLINE_KINDS
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Length"] = str(attachment.size)
    response["Content-Disposition"] = content_disposition_header(not inline, attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    # Only the people who may see the ticket may have it: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-cache"
    return response
