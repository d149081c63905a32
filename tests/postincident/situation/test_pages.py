"""The incident page's Situation report card, regenerating from it, the Markdown, and the plain
forms that choose a team's and an incident's stakeholders. People's text is escaped."""

import pytest
from django.contrib.messages import get_messages

from tests.support.web import body, form_errors, page_text
from tocsin.incidents.models import Channel
from tocsin.incidents.services import declare, resolve
from tocsin.notify.models import OutboxMessage
from tocsin.postincident.situation import sending
from tocsin.postincident.situation.models import SituationReport, Stakeholder

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def resolved(outage, member):
    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Rolled back")
    return outage.refresh()


def test_the_incident_page_shows_the_report_and_offers_to_regenerate(signed_in, resolved, member):
    response = signed_in(member).get(f"/incidents/{resolved.pk}/")

    text = page_text(response)
    assert "Situation report Version 1, generated" in text
    assert "Response time" in text and "Who held which role" in text
    assert f'action="/incidents/{resolved.pk}/situation-report/regenerate/"' in body(response)
    assert f'href="/incidents/{resolved.pk}/situation-report.md"' in body(response)


def test_outsiders_read_the_report_but_are_not_offered_to_regenerate(signed_in, resolved, outsider):
    response = signed_in(outsider).get(f"/incidents/{resolved.pk}/")

    assert "Who held which role" in page_text(response)
    assert "situation-report/regenerate" not in body(response)
    assert "Add or remove this incident's stakeholders" not in page_text(response)


def test_an_open_incident_says_when_its_report_will_be_written(signed_in, outage, member):
    response = signed_in(member).get(f"/incidents/{outage.pk}/")

    assert f"Written when {outage.reference} is resolved" in page_text(response)
    assert "situation-report/regenerate" not in body(response)


def test_regenerating_from_the_page(signed_in, resolved, member):
    client = signed_in(member)
    response = client.post(f"/incidents/{resolved.pk}/situation-report/regenerate/")

    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{resolved.pk}/#situation-report"
    assert SituationReport.objects.get().generation == 2
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Situation report regenerated (version 2) and sent."
    ]


def test_a_refused_regeneration_says_why_and_changes_nothing(
    signed_in, resolved, outsider, unchanged
):
    with unchanged(resolved):
        response = signed_in(outsider).post(
            f"/incidents/{resolved.pk}/situation-report/regenerate/"
        )
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert str(message).startswith("The situation report was not regenerated: only the commander")


def test_the_markdown_download(signed_in, resolved, member, outage):
    response = signed_in(member).get(f"/incidents/{resolved.pk}/situation-report.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert body(response) == resolved.situation_report.markdown


def test_peoples_text_is_escaped_on_the_page_and_in_the_email(signed_in, payments, lead, p3, dana):
    Stakeholder.objects.create(team=payments, user=dana, added_by=lead)
    incident = declare(
        title=f"Checkout {HOSTILE}", severity=p3, team=payments, by=lead, impact_who=HOSTILE
    )
    resolve(
        incident=incident, by=lead, via=Channel.WEB, resolution=f"[link](javascript:x) {HOSTILE}"
    )

    page = body(signed_in(lead).get(f"/incidents/{incident.pk}/"))
    [mail] = OutboxMessage.objects.filter(
        address="dana@example.com", data__has_key="situation_report"
    )
    for html in (page, mail.body_html):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert 'href="javascript:' not in html
        assert "&lt;script&gt;alert" in html
    subject, _, _ = sending.email_of(incident.situation_report)
    assert subject == mail.subject


def test_a_lead_adds_and_removes_team_stakeholders(signed_in, payments, lead, dana):
    client = signed_in(lead)
    assert "Add a stakeholder" in page_text(client.get("/teams/payments/stakeholders/"))

    response = client.post("/teams/payments/stakeholders/", {"person": dana.pk, "email": ""})
    assert response.status_code == 302
    [stakeholder] = Stakeholder.objects.all()
    assert (stakeholder.team, stakeholder.user) == (payments, dana)
    assert "Dana Support" in page_text(client.get("/teams/payments/stakeholders/"))

    removed = client.post(f"/stakeholders/{stakeholder.pk}/remove/")
    assert removed["Location"] == "/teams/payments/stakeholders/"
    assert not Stakeholder.objects.exists()


def test_a_bad_address_is_a_form_error_and_adds_nothing(signed_in, payments, lead, outage,
                                                        unchanged):  # fmt: skip
    with unchanged(outage):
        response = signed_in(lead).post("/teams/payments/stakeholders/", {"email": "cfo@"})
    assert response.status_code == 422
    assert form_errors(response) == ["'cfo@' is not an e-mail address"]


def test_members_who_do_not_lead_see_the_team_list_without_the_form(
    signed_in, payments, member, outage, unchanged
):
    client = signed_in(member)
    assert "Add a stakeholder" not in page_text(client.get("/teams/payments/stakeholders/"))
    with unchanged(outage):
        response = client.post("/teams/payments/stakeholders/", {"email": "cfo@example.com"})
    assert response.status_code == 422
    assert form_errors(response) == [
        "only an admin or a lead of Payments may change its stakeholders"
    ]


def test_members_add_stakeholders_to_their_incident(signed_in, outage, member):
    client = signed_in(member)
    response = client.post(f"/incidents/{outage.pk}/stakeholders/", {"email": "press@example.org"})

    assert response.status_code == 302
    [stakeholder] = Stakeholder.objects.all()
    assert (stakeholder.incident, stakeholder.email) == (outage, "press@example.org")
    page = page_text(client.get(f"/incidents/{outage.pk}/"))
    assert "Stakeholders: press@example.org" in page

    again = client.post(f"/incidents/{outage.pk}/stakeholders/", {"email": "press@example.org"})
    assert again.status_code == 422
    assert form_errors(again) == [
        f"press@example.org is already a stakeholder of {outage.reference}"
    ]
    assert Stakeholder.objects.count() == 1
