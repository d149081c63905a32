"""REST endpoints of a ticket's attachments: /api/v1/tickets/{ref}/attachments (list, upload
as multipart/form-data, field `attachments`, one or more files) and …/attachments/{id} (the
file, with the same headers as on the ticket page).

Thin: the services decide and check. The upload reads the files itself, after refusing a body
that is too large from its headers (uploads.refusal).
"""

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from tocsin.accounts.permissions import ensure_may_see_ticket
from tocsin.errors import NotFound
from tocsin.incidents.models import Channel
from tocsin.schemas import ERRORS, MAX_ID
from tocsin.tickets.models import Attachment, Ticket

from . import services
from .checks import ACCEPTED, FIELD
from .serving import file_response, url_of
from .uploads import refusal

router = Router(tags=["tickets"])
# Both operations share one address; uploads.py allows its large bodies by this name.
URL_NAME = "tickets_attachments"


class RedactionOut(Schema):
    summary: str = Field(description="'12 cookies, 3 Authorization headers, 1 password field'")
    counts: dict[str, int]
    total: int
    entries: int


class AttachmentOut(Schema):
    id: int
    ticket: str = Field(description="The ticket's reference, TKT-…")
    kind: str = Field(description="image, har or video")
    name: str
    content_type: str = Field(description="Decided from the content at upload")
    size: int = Field(description="Bytes stored (a HAR file: after its secrets were removed)")
    sha256: str
    redaction: RedactionOut | None = Field(
        description="What was removed from a HAR file; null for other files"
    )
    uploaded_by: str | None
    uploaded_at: datetime
    download: str = Field(description="The file, through the API")
    url: str = Field(description="The file, for a signed-in browser")


def _out(attachment: Attachment) -> dict:
    redaction = attachment.redaction or None
    return {
        "id": attachment.pk,
        "ticket": f"TKT-{attachment.ticket_id}",
        "kind": attachment.kind,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "redaction": redaction,
        "uploaded_by": str(attachment.uploaded_by) if attachment.uploaded_by else None,
        "uploaded_at": attachment.uploaded_at,
        "download": f"/api/v1/tickets/TKT-{attachment.ticket_id}/attachments/{attachment.pk}",
        "url": url_of(attachment),
    }


def _ticket(request, ref: str) -> Ticket:
    text = ref.strip().upper().removeprefix("TKT-")
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else 0
    ticket = (
        Ticket.objects.select_related("team", "incident").filter(pk=number).first()
        if 0 < number <= MAX_ID
        else None
    )
    if ticket is None:
        raise NotFound(f"no ticket {ref}")
    ensure_may_see_ticket(ticket, request.user)
    return ticket


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": f"One or more files: {ACCEPTED}",
                        }
                    },
                }
            }
        },
    }
}


@router.get(
    "/tickets/{ref}/attachments",
    response={200: list[AttachmentOut], **ERRORS},
    url_name=URL_NAME,
)
def list_attachments(request, ref: str):
    """Whoever may see the ticket: its attachments, oldest first."""
    ticket = _ticket(request, ref)
    return [_out(a) for a in ticket.attachments.select_related("uploaded_by")]


@router.post(
    "/tickets/{ref}/attachments",
    response={201: list[AttachmentOut], **ERRORS},
    url_name=URL_NAME,
    openapi_extra=_UPLOAD_BODY,
)
def upload_attachments(request, ref: str):
    """Whoever may work on the ticket: attach the files of the `attachments` field. Each
    file's type is decided from its content; HAR files are stored without their secrets.
    Anything refused (413 too large, 422 wrong type or past the ticket's limits) stores
    nothing."""
    ticket = _ticket(request, ref)
    too_large = refusal(request)
    if too_large is not None:
        raise too_large
    uploads = request.FILES.getlist(FIELD)
    attached = services.attach(ticket=ticket, uploads=uploads, by=request.user, via=Channel.API)
    return Status(201, [_out(a) for a in attached])


@router.get(
    "/tickets/{ref}/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as the type decided at upload",
                "content": {"application/octet-stream": {}},
            }
        }
    },
)
def download_attachment(request, ref: str, attachment_id: int):
    """Whoever may see the ticket: the file (inline for images and videos, a download for HAR
    files), with `X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox`."""
    ticket = _ticket(request, ref)
    found = ticket.attachments.filter(pk=attachment_id) if 0 < attachment_id <= MAX_ID else None
    attachment = found.first() if found is not None else None
    if attachment is None:
        raise NotFound(f"{ticket.reference} has no attachment {attachment_id}")
    return file_response(attachment)
