"""What is refused, and how: a 4xx whose message names the file, and nothing stored (no file
in the attachment folder, no row, no line in the ticket's history), even when the other files
of the same upload were fine."""

import pytest

from tests.support.api import assert_error
from tocsin.errors import ValidationFailed
from tocsin.tickets.attachments.services import attach, check_uploads
from tocsin.tickets.models import Attachment, TicketEvent

from . import files

MB = 1024 * 1024

REFUSED = [
    pytest.param(
        "shot.png",
        files.HTML,
        "shot.png: Tocsin accepts PNG, JPEG, GIF or WebP screenshots, HAR files, MP4 or WebM "
        "screen recordings; this file is an HTML page",
        id="an HTML page named shot.png",
    ),
    pytest.param(
        "diagram.svg",
        files.SVG,
        "diagram.svg: SVG images are refused: an SVG file can carry script. Attach a PNG or "
        "JPEG screenshot instead",
        id="an SVG image",
    ),
    pytest.param(
        "logo.png",
        b"\xef\xbb\xbf  \n<svg xmlns='http://www.w3.org/2000/svg'/>",
        "logo.png: SVG images are refused: an SVG file can carry script. Attach a PNG or "
        "JPEG screenshot instead",
        id="an SVG named logo.png",
    ),
    pytest.param(
        "session.har",
        files.ZIP,
        "session.har: not a HAR file: it is a ZIP archive",
        id="a zip named session.har",
    ),
    pytest.param(
        "session.har",
        b'{"log": {"version": "1.2", "entries": [',
        "session.har: not a HAR file: it is not JSON (Expecting value at line 1, column 40)",
        id="a HAR file that does not parse",
    ),
    pytest.param(
        "export.json",
        b'{"hello": "world"}',
        "export.json: not a HAR file: log is missing",
        id="JSON that is not a HAR file",
    ),
    pytest.param(
        "clip.mov",
        files.mp4(b"qt  ", (b"qt  ",)),
        "clip.mov: Tocsin accepts PNG, JPEG, GIF or WebP screenshots, HAR files, MP4 or WebM "
        "screen recordings; this file is a media file that is not MP4 (QuickTime or HEIF)",
        id="a QuickTime movie",
    ),
    pytest.param(
        "clip.mkv",
        files.webm(b"matroska"),
        "clip.mkv: Tocsin accepts PNG, JPEG, GIF or WebP screenshots, HAR files, MP4 or WebM "
        "screen recordings; this file is a Matroska file that is not WebM",
        id="a Matroska video",
    ),
    pytest.param("empty.png", b"", "empty.png: the file is empty", id="an empty file"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_a_refused_file_is_named_and_nothing_is_stored(
    agent, ticket, stored, name, content, message
):
    uploads = [files.upload("fine.png", files.png()), files.upload(name, content)]
    with pytest.raises(ValidationFailed) as refused:
        attach(ticket=ticket, uploads=uploads, by=agent)
    assert refused.value.message == message
    assert refused.value.field == "attachments"
    assert stored() == []
    assert not Attachment.objects.exists()
    assert not ticket.history.filter(kind=TicketEvent.Kind.ATTACHED).exists()


@pytest.mark.parametrize(("name", "content", "message"), REFUSED[:5])
def test_the_attach_form_answers_422_with_the_message(
    agent_client, ticket, stored, name, content, message
):
    response = agent_client.post(
        f"/tickets/{ticket.pk}/attachments/", {"attachments": [files.upload(name, content)]}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was attached" in page
    assert message.replace('"', "&quot;") in page
    assert stored() == []
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), REFUSED[:5])
def test_the_api_answers_422_with_the_message(
    api_as, agent, ticket, stored, name, content, message
):
    response = api_as(agent).client.post(
        f"/api/v1/tickets/{ticket.reference}/attachments",
        {"attachments": [files.upload(name, content)]},
    )
    assert_error(response, 422, "validation_failed", field="attachments", message_contains=message)
    assert stored() == []
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("setting", "name", "content", "message"),
    [
        (
            "ATTACHMENT_MAX_IMAGE_MB",
            "huge.png",
            files.png(padding=MB),
            "huge.png: the file is 1,048,661 bytes; screenshots may be at most 1,048,576 bytes",
        ),
        (
            "ATTACHMENT_MAX_VIDEO_MB",
            "long.webm",
            files.webm() + b"\xec" * MB,
            "long.webm: the file is 1,048,640 bytes; screen recordings may be at most "
            "1,048,576 bytes",
        ),
        (
            "ATTACHMENT_MAX_HAR_MB",
            "big.har",
            b'{"log": {"padding": "' + b"x" * MB + b'"}}',
            "big.har: the file is 1,048,600 bytes; HAR files may be at most 1,048,576 bytes",
        ),
    ],
)
def test_each_kind_has_its_own_size_limit(
    agent, ticket, stored, settings, setting, name, content, message
):
    setattr(settings, setting, 1)
    assert len(content) > MB
    with pytest.raises(ValidationFailed, match=f"^{message}$"):
        attach(ticket=ticket, uploads=[files.upload(name, content)], by=agent)
    assert stored() == []
    assert not Attachment.objects.exists()


def test_a_file_just_within_its_limit_is_accepted(agent, ticket, settings):
    settings.ATTACHMENT_MAX_IMAGE_MB = 1
    content = files.png(padding=MB - len(files.png()) - 12)
    assert len(content) == MB
    (attachment,) = attach(ticket=ticket, uploads=[files.upload("exact.png", content)], by=agent)
    assert attachment.size == MB


def test_a_ticket_has_at_most_so_many_files(agent, ticket, stored, settings):
    settings.ATTACHMENT_MAX_FILES = 3
    attach(ticket=ticket, uploads=[files.upload("one.png", files.png(1, 1))], by=agent)
    before = stored()
    more = [files.upload(f"shot-{n}.png", files.png(n + 2, 2)) for n in range(3)]
    with pytest.raises(ValidationFailed) as refused:
        attach(ticket=ticket, uploads=more, by=agent)
    assert refused.value.message == (
        f"shot-2.png: a ticket may have at most 3 attachments, and {ticket.reference} would have 4"
    )
    assert stored() == before
    assert list(ticket.attachments.values_list("name", flat=True)) == ["one.png"]


def test_a_tickets_attachments_have_a_total_size_limit(agent, ticket, stored, settings):
    settings.ATTACHMENT_MAX_TICKET_MB = 2
    first = files.upload("first.png", files.png(padding=MB))
    attach(ticket=ticket, uploads=[first], by=agent)
    second = files.upload("second.png", files.png(padding=MB))
    with pytest.raises(ValidationFailed) as refused:
        attach(ticket=ticket, uploads=[second], by=agent)
    assert refused.value.message == (
        f"second.png: a ticket's attachments may come to at most 2,097,152 bytes, and "
        f"{ticket.reference}'s would come to 2,097,322 bytes"
    )
    assert len(stored()) == 1


def test_a_new_ticket_is_held_to_the_same_limits(settings):
    settings.ATTACHMENT_MAX_FILES = 1
    uploads = [files.upload("a.png", files.png()), files.upload("b.png", files.png(1, 1))]
    with pytest.raises(ValidationFailed, match="^b.png: a ticket may have at most 1 attachments"):
        check_uploads(None, uploads)


def test_attaching_nothing_is_refused(agent, ticket):
    with pytest.raises(ValidationFailed, match="choose at least one file to attach"):
        attach(ticket=ticket, uploads=[], by=agent)


def test_with_the_default_limits_a_12_mb_screenshot_is_refused(agent, ticket, stored):
    content = files.png(padding=int(12.4 * MB))
    with pytest.raises(ValidationFailed) as refused:
        attach(ticket=ticket, uploads=[files.upload("huge.png", content)], by=agent)
    assert (
        refused.value.message == "huge.png: the file is 12.4 MB; screenshots may be at most 10 MB"
    )
    assert stored() == []


def test_sizes_in_words():
    from tocsin.tickets.attachments.services import human_size

    assert [human_size(n) for n in (1, 512, 240 * 1024, int(262.5 * MB), 250 * MB)] == [
        "1 byte",
        "512 bytes",
        "240 KB",
        "262.5 MB",
        "250 MB",
    ]


def test_a_viewer_is_refused_by_the_form_and_nothing_is_stored(client, viewer, ticket, stored):
    client.force_login(viewer)
    response = client.post(
        f"/tickets/{ticket.pk}/attachments/",
        {"attachments": [files.upload("login.png", files.png())]},
    )
    assert response.status_code == 403
    assert "Vera Viewer only reads and may not attach files to it" in response.content.decode()
    assert 'type="file"' not in response.content.decode()
    assert stored() == []
    assert not Attachment.objects.exists()


def test_someone_who_may_not_see_the_ticket_cannot_attach(client, outsider, ticket, stored):
    client.force_login(outsider)
    response = client.post(
        f"/tickets/{ticket.pk}/attachments/",
        {"attachments": [files.upload("login.png", files.png())]},
    )
    assert response.status_code == 403
    assert stored() == []
