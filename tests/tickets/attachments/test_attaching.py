"""A support agent attaches two screenshots, a HAR file and a short screen recording to a
ticket: each is stored under the attachment folder by its checksum, as the type its content
says, the HAR file without its secrets, each written into the ticket's history; the ticket page
shows the screenshots, plays the recording and lists the HAR file with what was removed."""

import hashlib

from tocsin.incidents.models import Event
from tocsin.tickets.attachments.services import attach, check_uploads, store_attachments
from tocsin.tickets.models import Attachment, TicketEvent
from tocsin.tickets.services import open_ticket

from . import files


def _the_four():
    return [
        files.upload("login.png", files.png(), "image/png"),
        files.upload("cart.jpg", files.JPEG, "image/jpeg"),
        files.upload("session.har", files.har(), "application/json"),
        files.upload("recording.webm", files.webm(), "video/webm"),
    ]


def test_an_agent_attaches_screenshots_a_har_file_and_a_recording(
    agent_client, ticket, attachment_dir, stored
):
    response = agent_client.post(
        f"/tickets/{ticket.pk}/attachments/",
        {"attachments": _the_four(), "next": f"/tickets/{ticket.pk}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/#attachments"

    rows = list(ticket.attachments.order_by("id"))
    assert [(a.name, a.kind, a.content_type) for a in rows] == [
        ("login.png", "image", "image/png"),
        ("cart.jpg", "image", "image/jpeg"),
        ("session.har", "har", "application/json"),
        ("recording.webm", "video", "video/webm"),
    ]
    assert stored() == sorted(f"{ticket.pk}/{a.sha256}" for a in rows)
    for attachment in rows:
        content = (attachment_dir / attachment.stored_as).read_bytes()
        assert hashlib.sha256(content).hexdigest() == attachment.sha256
        assert len(content) == attachment.size
        assert attachment.uploaded_by == ticket.reported_by
    assert (attachment_dir / rows[0].stored_as).read_bytes() == files.png()
    assert (attachment_dir / rows[3].stored_as).read_bytes() == files.webm()

    history = list(
        ticket.history.filter(kind=TicketEvent.Kind.ATTACHED).values_list("message", flat=True)
    )
    assert history == [
        "Attached screenshot login.png (73 bytes)",
        "Attached screenshot cart.jpg (762 bytes)",
        "Attached HAR file session.har (2 KB); removed: 1 cookie, 1 Cookie header, "
        "1 Authorization header, 1 password field",
        "Attached screen recording recording.webm (64 bytes)",
    ]


def test_the_har_file_on_disk_is_the_redacted_one(agent, ticket, attachment_dir):
    (har,) = attach(ticket=ticket, uploads=[files.upload("session.har", files.har())], by=agent)
    on_disk = (attachment_dir / har.stored_as).read_text()
    for secret in (files.SESSION_COOKIE.split("=")[1], files.PASSWORD, "eyJhbGciOiJIUzI1NiJ9"):
        assert secret not in on_disk
    assert "shop.example.com/login" in on_disk  # the rest of it is kept
    assert har.sha256 == hashlib.sha256(on_disk.encode()).hexdigest()
    assert har.redaction["summary"] == (
        "1 cookie, 1 Cookie header, 1 Authorization header, 1 password field"
    )
    assert har.redaction["counts"]["password field"] == 1


def test_the_ticket_page_shows_screenshots_plays_the_recording_and_lists_the_har_file(
    agent, agent_client, ticket
):
    attach(ticket=ticket, uploads=_the_four(), by=agent)
    png, jpeg, har, webm = ticket.attachments.order_by("id")
    page = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()

    base = f"/tickets/{ticket.pk}/attachments"
    assert f'<img src="{base}/{png.pk}/login.png" alt="Screenshot login.png"' in page
    assert f'<img src="{base}/{jpeg.pk}/cart.jpg" alt="Screenshot cart.jpg"' in page
    assert f'<video controls preload="metadata" src="{base}/{webm.pk}/recording.webm"' in page
    assert f'<a href="{base}/{har.pk}/session.har" download="session.har">' in page
    assert "Removed: 1 cookie, 1 Cookie header, 1 Authorization header, 1 password field" in page
    assert page.count("<img src=") == 2
    # The "Attach files" form: multipart, several files, what the picker offers.
    assert f'enctype="multipart/form-data" action="{base}/"' in page
    assert 'type="file" name="attachments"' in page and " multiple " in page
    assert 'accept="image/png,image/jpeg,image/gif,image/webp,.har,' in page


def test_the_type_comes_from_the_content_and_the_name_is_kept(agent, ticket):
    (attachment,) = attach(
        ticket=ticket, uploads=[files.upload("notes.txt", files.png(), "text/plain")], by=agent
    )
    assert (attachment.kind, attachment.content_type) == ("image", "image/png")
    assert attachment.name == "notes.txt"


def test_gif_webp_and_mp4_are_accepted_too(agent, ticket):
    uploads = [
        files.upload("spinner.gif", files.GIF),
        files.upload("shot.webp", files.WEBP),
        files.upload("screen.mp4", files.mp4()),
    ]
    attached = attach(ticket=ticket, uploads=uploads, by=agent)
    assert [a.content_type for a in attached] == ["image/gif", "image/webp", "video/mp4"]


def test_names_lose_their_folders_and_control_characters(agent, ticket):
    uploads = [
        files.upload("C:\\Users\\sam\\Desktop\\shot.png", files.png()),
        files.upload("evil\u202egnp.exe", files.png(1, 1)),
    ]
    attached = attach(ticket=ticket, uploads=uploads, by=agent)
    assert [a.name for a in attached] == ["shot.png", "evilgnp.exe"]


def test_a_ticket_opened_with_attachments_has_them(agent, payments, stored):
    ticket = open_ticket(
        by=agent,
        team=payments,
        title="Login fails",
        customer_user_id="cust-1",
        what_they_did="Signed in",
        what_happened="Error",
        scope="S-USER",
        criticality="FBLOCK",
        uploads=[files.upload("login.png", files.png())],
    )
    (attachment,) = ticket.attachments.all()
    assert stored() == [f"{ticket.pk}/{attachment.sha256}"]
    assert list(ticket.history.values_list("kind", flat=True)) == ["created", "attached"]


def test_store_attachments_checks_the_ticket_limits_again(agent, ticket, settings, stored):
    """Checked while nothing was attached, stored after someone else filled the ticket."""
    settings.ATTACHMENT_MAX_FILES = 1
    checked = check_uploads(ticket, [files.upload("a.png", files.png())])
    attach(ticket=ticket, uploads=[files.upload("b.png", files.png(3, 3))], by=agent)
    before = stored()
    try:
        store_attachments(ticket, checked, by=agent)
    except Exception as error:
        assert "a.png: a ticket may have at most 1 attachments" in str(error)
    else:
        raise AssertionError("the second file was stored past the limit")
    assert ticket.attachments.count() == 1
    assert stored() == before


def test_attaching_to_a_ticket_of_an_incident_is_on_the_incident_timeline(agent, ticket, incident):
    ticket.incident = incident
    ticket.save(update_fields=["incident"])
    (attachment,) = attach(
        ticket=ticket, uploads=[files.upload("login.png", files.png())], by=agent
    )
    event = incident.timeline.filter(kind=Event.TICKET).latest("id")
    assert event.message == (f"{ticket.reference}: attached screenshot login.png (73 bytes)")
    assert event.data == {"ticket": ticket.pk, "action": "attached", "attachment": attachment.pk}


def test_the_same_file_twice_is_stored_once(agent, ticket, stored):
    attach(ticket=ticket, uploads=[files.upload("a.png", files.png())], by=agent)
    attach(ticket=ticket, uploads=[files.upload("again.png", files.png())], by=agent)
    assert Attachment.objects.filter(ticket=ticket).count() == 2
    assert len(stored()) == 1


def test_the_incident_page_lists_the_tickets_attachments(agent, client, member, ticket, incident):
    ticket.incident = incident
    ticket.save(update_fields=["incident"])
    (png,) = attach(ticket=ticket, uploads=[files.upload("login.png", files.png())], by=agent)
    client.force_login(member)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'<a href="/tickets/{ticket.pk}/attachments/{png.pk}/login.png">' in page
    assert "attachment-list-compact" in page
    assert '<img src="/tickets/' not in page  # links only, in the incident's ticket panel
