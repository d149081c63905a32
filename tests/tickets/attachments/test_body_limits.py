"""Uploads may be as large as a ticket's attachments may be, while every other request keeps
TOCSIN_MAX_BODY_BYTES; a body declared larger than its limit is refused before any of it is
read."""

import io

import pytest
from django.test.client import encode_multipart

from tests.support.api import assert_error
from tocsin.incidents.models import Incident
from tocsin.tickets.models import Attachment, TicketEvent

from . import files

SMALL = 64 * 1024
BOUNDARY = "BoUnDaRyStRiNg"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL
    settings.ATTACHMENT_MAX_TICKET_MB = 1  # an upload may then be 1 MB + 64 KB


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the body was read")

    readinto = readline = read


def _declared(client, path, length: int, **extra):
    return client.generic(
        "POST",
        path,
        b"",
        content_type=MULTIPART,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": Unreadable()},
        **extra,
    )


def test_an_upload_larger_than_the_usual_body_limit_is_accepted(agent_client, ticket, stored):
    screenshot = files.png(padding=5 * SMALL)
    response = agent_client.post(
        f"/tickets/{ticket.pk}/attachments/", {"attachments": [files.upload("big.png", screenshot)]}
    )
    assert response.status_code == 302
    (attachment,) = ticket.attachments.all()
    assert attachment.size == len(screenshot) > SMALL
    assert len(stored()) == 1


def test_a_declared_body_past_the_upload_limit_is_refused_unread(agent_client, ticket, stored):
    response = _declared(agent_client, f"/tickets/{ticket.pk}/attachments/", 300 * 1024 * 1024)
    assert response.status_code == 413
    assert (
        "the upload is 300 MB; a ticket&#x27;s attachments may come to at most 1 MB"
        in response.content.decode()
    )
    assert stored() == []
    assert not ticket.history.filter(kind=TicketEvent.Kind.ATTACHED).exists()


def test_the_api_refuses_it_unread_too(api_as, agent, ticket, stored):
    client = api_as(agent).client
    response = _declared(client, f"/api/v1/tickets/{ticket.reference}/attachments", 2 * 1024**2)
    assert_error(
        response,
        413,
        "payload_too_large",
        field="attachments",
        message_contains="the upload is 2 MB; a ticket's attachments may come to at most 1 MB",
    )
    assert stored() == []


def test_a_chunked_upload_past_the_usual_limit_is_refused(api_as, agent, ticket, stored):
    body = encode_multipart(
        BOUNDARY, {"attachments": files.upload("a.png", files.png(padding=2 * SMALL))}
    )
    response = api_as(agent).client.generic(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/attachments",
        body,
        content_type=MULTIPART,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True, "wsgi.input": io.BytesIO(body)},
    )
    assert_error(
        response,
        413,
        "payload_too_large",
        field="attachments",
        message_contains="a chunked upload may be at most 64 KB; send the files with a "
        "Content-Length",
    )
    assert stored() == []
    assert not Attachment.objects.exists()


def test_a_small_chunked_upload_is_read_like_any_other(api_as, agent, ticket):
    body = encode_multipart(BOUNDARY, {"attachments": files.upload("a.png", files.png())})
    response = api_as(agent).client.generic(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/attachments",
        body,
        content_type=MULTIPART,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True, "wsgi.input": io.BytesIO(body)},
    )
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()] == ["a.png"]


def test_other_pages_keep_the_usual_limit_for_multipart_bodies(agent_client, ticket):
    response = agent_client.post(
        f"/tickets/{ticket.pk}/comment/",
        {"text": "see the file", "file": files.upload("big.png", files.png(padding=2 * SMALL))},
    )
    assert response.status_code == 400
    assert not ticket.history.filter(kind=TicketEvent.Kind.COMMENT).exists()


def test_other_api_endpoints_keep_it_too(api_as, lead, p1, payments):
    body = encode_multipart(
        BOUNDARY,
        {"title": "x", "file": files.upload("big.png", files.png(padding=2 * SMALL))},
    )
    response = api_as(lead).client.generic(
        "POST", "/api/v1/incidents", body, content_type=MULTIPART
    )
    assert_error(response, 413, "payload_too_large")
    assert not Incident.objects.exists()


def test_other_endpoints_refuse_a_large_declared_body_unread(api_as, lead):
    response = _declared(api_as(lead).client, "/api/v1/incidents", 10 * SMALL)
    assert_error(response, 413, "payload_too_large")


def test_the_new_ticket_form_takes_large_attachments_too(agent_client, payments):
    screenshot = files.png(padding=5 * SMALL)
    response = agent_client.post(
        "/tickets/new/",
        {
            "team": payments.pk,
            "customer_user_id": "cust-1",
            "scope": "S-USER",
            "criticality": "FBLOCK",
            "title": "Login fails",
            "what_they_did": "Signed in",
            "what_happened": "An error",
            "attachments": [files.upload("login.png", screenshot)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (attachment,) = Attachment.objects.all()
    assert (attachment.name, attachment.size) == ("login.png", len(screenshot))


def test_with_the_default_limits_the_message_says_250_mb(agent_client, ticket, settings):
    del settings.ATTACHMENT_MAX_TICKET_MB
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = _declared(agent_client, f"/tickets/{ticket.pk}/attachments/", 300 * 1024 * 1024)
    assert response.status_code == 413
    assert (
        "the upload is 300 MB; a ticket&#x27;s attachments may come to at most 250 MB"
        in response.content.decode()
    )
