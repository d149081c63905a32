"""Attaching files to a ticket: every check before anything is stored, then the files, their
rows and the ticket's history in one transaction."""

import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import ensure_may_work_on_ticket
from tocsin.errors import ValidationFailed
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import record
from tocsin.tickets.har import InvalidHar, redact_har
from tocsin.tickets.models import Attachment, AttachmentKind, Ticket, TicketEvent
from tocsin.tickets.services import write

from . import conf, storage
from .checks import FIELD, looks_like_json, not_accepted, refuse, sniff

HEAD_BYTES = 4096
LABELS = {
    AttachmentKind.IMAGE: "screenshot",
    AttachmentKind.HAR: "HAR file",
    AttachmentKind.VIDEO: "screen recording",
}
MAX_NAME = 255


@dataclass(frozen=True)
class Checked:
    """One upload that passed every check, and what is stored for it."""

    name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    source: object = field(repr=False)  # bytes (a redacted HAR file) or the uploaded file
    redaction: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """'screenshot', 'HAR file', 'screen recording'."""
        return LABELS[self.kind]


def human_size(size: int) -> str:
    """'512 bytes', '240 KB', '1.2 MB'."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < conf.MB:
        return f"{round(size / 1024)} KB"
    return f"{size / conf.MB:.1f}".removesuffix(".0") + " MB"


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """Both sizes in words, in bytes where the words would make them look the same."""
    shown = human_size(size), human_size(limit)
    return shown if shown[0] != shown[1] else (f"{size:,} bytes", f"{limit:,} bytes")


def clean_name(raw) -> str:
    """The name a file was uploaded with, without folders, control or direction characters."""
    name = str(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME]
    return name or "attachment"


def _limit_words(kind: str) -> str:
    return {
        AttachmentKind.IMAGE: "screenshots",
        AttachmentKind.HAR: "HAR files",
        AttachmentKind.VIDEO: "screen recordings",
    }[kind]


def _head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _check_one(upload) -> Checked:
    name = clean_name(getattr(upload, "name", ""))
    size = upload.size
    if not size:
        raise refuse(name, "the file is empty")
    head = _head(upload)
    sniffed = sniff(head)
    if sniffed is None and not looks_like_json(head):
        raise not_accepted(name, head)
    kind = sniffed.kind if sniffed else AttachmentKind.HAR
    limit = conf.max_bytes(kind)
    if size > limit:
        size_text, limit_text = _sizes(size, limit)
        raise refuse(
            name, f"the file is {size_text}; {_limit_words(kind)} may be at most {limit_text}"
        )
    if sniffed is not None:
        sha256, size = storage.digest(upload)
        return Checked(name, kind, sniffed.content_type, size, sha256, upload)
    upload.seek(0)
    try:
        redacted = redact_har(upload.read())
    except InvalidHar as error:
        raise refuse(name, error.message) from None
    finally:
        upload.seek(0)
    sha256, size = storage.digest(redacted.content)
    return Checked(
        name,
        kind,
        "application/json",
        size,
        sha256,
        redacted.content,
        redaction=redacted.report.as_dict(),
    )


def check_totals(ticket: Ticket | None, checked: list[Checked]) -> None:
    """The ticket's limits: how many files, and how many bytes all together."""
    count, total = 0, 0
    if ticket is not None and ticket.pk:
        sizes = list(ticket.attachments.values_list("size", flat=True))
        count, total = len(sizes), sum(sizes)
    most_files, most_bytes = conf.max_files(), conf.max_ticket_bytes()
    where = ticket.reference if ticket is not None and ticket.pk else "the ticket"
    for item in checked:
        count += 1
        total += item.size
        if count > most_files:
            raise refuse(
                item.name,
                f"a ticket may have at most {most_files} attachments, and {where} would have "
                f"{count}",
            )
        if total > most_bytes:
            total_text, limit_text = _sizes(total, most_bytes)
            raise refuse(
                item.name,
                f"a ticket's attachments may come to at most {limit_text}, and {where}'s "
                f"would come to {total_text}",
            )


def check_uploads(ticket: Ticket | None, uploads) -> list[Checked]:
    """Every upload checked (type from the content, size, HAR files redacted) and the ticket's
    limits; raises ValidationFailed(field="attachments") naming the first file refused.
    Stores nothing."""
    checked = [_check_one(upload) for upload in uploads]
    check_totals(ticket, checked)
    return checked


def _message(item: Checked) -> str:
    line = f"Attached {item.label} {item.name} ({human_size(item.size)})"
    if item.kind == AttachmentKind.HAR:
        summary = item.redaction.get("summary", "nothing removed")
        line += f"; removed: {summary}" if summary != "nothing removed" else "; nothing removed"
    return line


def store_attachments(
    ticket: Ticket, checked: list[Checked], *, by: User | None, via: str = Channel.WEB
) -> list[Attachment]:
    """Write the checked files, their rows and a history line each (and a line on the ticket's
    incident's timeline), inside the caller's transaction; the ticket's limits are checked again
    with its row locked. A file written for a transaction that rolls back is removed."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("incident")
            .get(pk=ticket.pk)
        )
        check_totals(ticket, checked)
        attachments = []
        for item in checked:
            attachment = Attachment.objects.create(
                ticket=ticket,
                kind=item.kind,
                content_type=item.content_type,
                name=item.name,
                size=item.size,
                sha256=item.sha256,
                stored_as=storage.write(ticket.pk, item.sha256, item.source),
                redaction=item.redaction,
                uploaded_by=by,
            )
            attachments.append(attachment)
            message = _message(item)
            write(
                ticket,
                TicketEvent.Kind.ATTACHED,
                message,
                by=by,
                attachment=attachment.pk,
                type=item.kind,
                name=item.name,
                size=item.size,
            )
            if ticket.incident_id:
                record(
                    ticket.incident,
                    Event.TICKET,
                    actor=by,
                    via=via,
                    message=f"{ticket.reference}: {message[0].lower()}{message[1:]}",
                    data={"ticket": ticket.pk, "action": "attached", "attachment": attachment.pk},
                )
        if attachments:
            ticket.updated_at = timezone.now()
            ticket.save(update_fields=["updated_at"])
    return attachments


def attach(*, ticket: Ticket, uploads, by: User, via: str = Channel.WEB) -> list[Attachment]:
    """Attach `uploads` to the ticket for `by`: who may work on it, every check, then one
    transaction; nothing is stored when anything is refused."""
    ensure_may_work_on_ticket(ticket, by, action="attach files to it")
    uploads = list(uploads)
    if not uploads:
        raise ValidationFailed("choose at least one file to attach", field=FIELD)
    checked = check_uploads(ticket, uploads)
    try:
        with transaction.atomic():
            return store_attachments(ticket, checked, by=by, via=via)
    finally:
        storage.remove_rolled_back()
