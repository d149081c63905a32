"""An attachment is served only to people who may see its ticket, as the type decided at
upload, with headers that keep a browser from guessing another type or running what it holds."""

import pytest

from tests.support.api import assert_error
from tocsin.tickets.attachments.services import attach

from . import files


@pytest.fixture
def attached(agent, ticket):
    """login.png, session.har and recording.webm on the ticket."""
    uploads = [
        files.upload("login.png", files.png()),
        files.upload("session.har", files.har()),
        files.upload("recording.webm", files.webm()),
    ]
    attached = attach(ticket=ticket, uploads=uploads, by=agent)
    return dict(zip(("png", "har", "webm"), attached, strict=True))


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _web(attachment) -> str:
    return f"/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/{attachment.name}"


def _api(attachment) -> str:
    return f"/api/v1/tickets/TKT-{attachment.ticket_id}/attachments/{attachment.pk}"


@pytest.mark.parametrize(
    ("which", "content_type", "disposition"),
    [
        ("png", "image/png", 'inline; filename="login.png"'),
        ("webm", "video/webm", 'inline; filename="recording.webm"'),
        ("har", "application/json", 'attachment; filename="session.har"'),
    ],
)
def test_the_file_is_served_with_its_type_and_safe_headers(
    agent_client, attached, attachment_dir, which, content_type, disposition
):
    attachment = attached[which]
    response = agent_client.get(_web(attachment))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Content-Length"] == str(attachment.size)
    assert _body(response) == (attachment_dir / attachment.stored_as).read_bytes()


def test_the_api_serves_the_same_file_with_the_same_headers(api_as, agent, attached):
    response = api_as(agent).get(_api(attached["har"]).removeprefix("/api/v1"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="session.har"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert files.PASSWORD.encode() not in _body(response)


def test_a_name_beyond_ascii_is_given_as_rfc_5987(agent, agent_client, ticket):
    (attachment,) = attach(
        ticket=ticket, uploads=[files.upload("écran d'accueil.png", files.png())], by=agent
    )
    response = agent_client.get(_web(attachment))
    assert (
        response["Content-Disposition"] == "inline; filename*=utf-8''%C3%A9cran%20d%27accueil.png"
    )


def test_someone_who_may_not_see_the_ticket_gets_403_and_no_bytes(client, outsider, attached):
    client.force_login(outsider)
    for attachment in attached.values():
        response = client.get(_web(attachment))
        assert response.status_code == 403
        assert files.png() not in response.content
        assert "Content-Disposition" not in response


def test_the_api_refuses_them_too(api_as, outsider, attached):
    response = api_as(outsider).get(_api(attached["png"]).removeprefix("/api/v1"))
    assert_error(
        response,
        403,
        "permission_denied",
        message_contains="only support agents and the members of Payments may see this ticket",
    )
    listing = api_as(outsider).get(f"/tickets/TKT-{attached['png'].ticket_id}/attachments")
    assert listing.status_code == 403


def test_nobody_signed_in_is_sent_to_sign_in(client, attached):
    response = client.get(_web(attached["png"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_ticket_team_and_viewers_may_see_them(client, member, viewer, attached):
    for person in (member, viewer):
        client.force_login(person)
        assert client.get(_web(attached["png"])).status_code == 200


def test_a_wrong_name_or_ticket_is_404(agent_client, agent, attached, payments):
    png = attached["png"]
    assert agent_client.get(_web(png).replace("login.png", "other.png")).status_code == 404
    other = type(png.ticket).objects.create(
        team=payments,
        title="Another",
        customer_user_id="c",
        what_they_did="x",
        what_happened="y",
        scope="S-USER",
        criticality="FBEHAV",
        urgency=4,
        reported_by=agent,
    )
    wrong_ticket = f"/tickets/{other.pk}/attachments/{png.pk}/login.png"
    assert agent_client.get(wrong_ticket).status_code == 404


def test_a_file_missing_from_the_folder_is_404_not_500(
    agent_client, api_as, agent, attached, attachment_dir
):
    (attachment_dir / attached["png"].stored_as).unlink()
    assert agent_client.get(_web(attached["png"])).status_code == 404
    response = api_as(agent).get(_api(attached["png"]).removeprefix("/api/v1"))
    assert_error(response, 404, "not_found", message_contains="login.png is missing")
