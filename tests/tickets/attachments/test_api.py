"""The attachments of a ticket through the REST API: upload (multipart/form-data, field
`attachments`), list, download; the same checks and refusals as the page."""

from tests.support.api import assert_error
from tocsin.api import api
from tocsin.tickets.models import Attachment, TicketEvent

from . import files


def test_an_agent_uploads_files_and_lists_them(api_as, agent, ticket, stored):
    client = api_as(agent).client
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/attachments",
        {
            "attachments": [
                files.upload("login.png", files.png()),
                files.upload("session.har", files.har()),
            ]
        },
    )
    assert response.status_code == 201, response.content
    png, har = response.json()
    png_row, har_row = ticket.attachments.order_by("id")
    assert png == {
        "id": png_row.pk,
        "ticket": ticket.reference,
        "kind": "image",
        "name": "login.png",
        "content_type": "image/png",
        "size": 73,
        "sha256": png_row.sha256,
        "redaction": None,
        "uploaded_by": "Sam Support",
        "uploaded_at": png["uploaded_at"],
        "download": f"/api/v1/tickets/{ticket.reference}/attachments/{png_row.pk}",
        "url": f"/tickets/{ticket.pk}/attachments/{png_row.pk}/login.png",
    }
    assert har["kind"] == "har"
    assert har["redaction"] == {
        "summary": "1 cookie, 1 Cookie header, 1 Authorization header, 1 password field",
        "counts": {
            "cookie": 1,
            "cookie header": 1,
            "authorization header": 1,
            "password field": 1,
        },
        "total": 4,
        "entries": 1,
    }
    assert len(stored()) == 2
    assert ticket.history.filter(kind=TicketEvent.Kind.ATTACHED).count() == 2

    listing = api_as(agent).get(f"/tickets/{ticket.pk}/attachments")
    assert listing.status_code == 200
    assert listing.json() == [png, har]


def test_a_viewer_may_list_but_not_upload(api_as, viewer, ticket, stored):
    api = api_as(viewer)
    assert api.get(f"/tickets/{ticket.reference}/attachments").json() == []
    response = api.client.post(
        f"/api/v1/tickets/{ticket.reference}/attachments",
        {"attachments": [files.upload("login.png", files.png())]},
    )
    assert_error(
        response,
        403,
        "permission_denied",
        message_contains="Vera Viewer only reads and may not attach files to it",
    )
    assert stored() == []
    assert not Attachment.objects.exists()


def test_uploading_without_files_is_422(api_as, agent, ticket):
    response = api_as(agent).client.post(f"/api/v1/tickets/{ticket.reference}/attachments", {})
    assert_error(
        response,
        422,
        "validation_failed",
        field="attachments",
        message_contains="choose at least one file to attach",
    )


def test_an_unknown_ticket_or_attachment_is_404(api_as, agent, ticket):
    assert_error(api_as(agent).get("/tickets/TKT-999/attachments"), 404, "not_found")
    assert_error(api_as(agent).get(f"/tickets/{ticket.reference}/attachments/5"), 404, "not_found")
    huge = f"/tickets/{ticket.reference}/attachments/{2**70}"
    assert api_as(agent).get(huge).status_code in (404, 422)


def test_the_openapi_describes_the_multipart_upload():
    schema = api.get_openapi_schema()
    upload = schema["paths"]["/api/v1/tickets/{ref}/attachments"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["attachments"]
    assert body["properties"]["attachments"]["items"] == {"type": "string", "format": "binary"}
    assert upload["operationId"] == "tocsin_tickets_attachments_api_upload_attachments"
