"""The subscribers page (count, export, remove) and the table of what each severity proposes."""

import pytest

from tocsin.incidents.models import Severity
from tocsin.statuspage.models import ProposedStatus, Subscriber


def test_the_subscribers_page_counts_and_lists_them_for_an_admin(signed_in, admin, subscribers):
    html = signed_in(admin).get("/statuspage/subscribers/").content.decode()
    assert '<strong class="subscriber-count">1</strong> confirmed subscriber,' in html
    assert "1 waiting to confirm" in html
    assert "=cmd@example.net" in html and "waiting@example.net" in html
    assert f"/statuspage/subscribers/{subscribers.code}/remove/" in html


def test_an_admin_exports_the_subscribers_as_csv(signed_in, admin, subscribers):
    pytest.importorskip("tocsin.statuspage.subscribers.services")
    response = signed_in(admin).get("/statuspage/subscribers/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert "'=cmd@example.net" in text  # a spreadsheet formula is quoted away
    assert "Checkout" in text


def test_an_admin_removes_a_subscriber(signed_in, admin, subscribers):
    pytest.importorskip("tocsin.statuspage.subscribers.services")
    response = signed_in(admin).post(f"/statuspage/subscribers/{subscribers.code}/remove/")
    assert response.status_code == 302
    assert not Subscriber.objects.filter(pk=subscribers.pk).exists()
    assert Subscriber.objects.count() == 1


def test_who_does_not_manage_the_page_may_not_export_or_remove(
    signed_in, lead, viewer, subscribers
):
    pytest.importorskip("tocsin.statuspage.subscribers.services")
    for person in (lead, viewer):
        client = signed_in(person)
        assert client.get("/statuspage/subscribers/export.csv").status_code == 403
        response = client.post(f"/statuspage/subscribers/{subscribers.code}/remove/")
        assert response.status_code == 403
    assert Subscriber.objects.count() == 2


def test_an_admin_edits_what_each_severity_proposes(signed_in, admin, severities):
    assert dict(ProposedStatus.objects.values_list("severity__key", "status")) == {
        "P1": "major_outage",
        "P2": "partial_outage",
        "P3": "degraded_performance",
    }
    client = signed_in(admin)
    form = client.get("/statuspage/proposed-statuses/").content.decode()
    assert 'name="severity-P1"' in form
    response = client.post(
        "/statuspage/proposed-statuses/",
        {
            "severity-P1": "major_outage",
            "severity-P2": "major_outage",
            "severity-P3": "",
            "severity-P4": "degraded_performance",
        },
    )
    assert response.status_code == 302
    assert dict(ProposedStatus.objects.values_list("severity__key", "status")) == {
        "P1": "major_outage",
        "P2": "major_outage",
        "P4": "degraded_performance",
    }


def test_a_bad_proposal_is_a_form_error_and_changes_nothing(signed_in, admin, severities):
    before = dict(ProposedStatus.objects.values_list("severity__key", "status"))
    response = signed_in(admin).post(
        "/statuspage/proposed-statuses/",
        {"severity-P1": "under_maintenance", "severity-P2": ""},
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert dict(ProposedStatus.objects.values_list("severity__key", "status")) == before


def test_a_lead_may_not_edit_the_table(signed_in, lead, severities):
    response = signed_in(lead).post(
        "/statuspage/proposed-statuses/", {"severity-P1": "partial_outage"}
    )
    assert response.status_code == 403
    assert ProposedStatus.objects.get(severity=Severity.objects.get(key="P1")).status == (
        "major_outage"
    )
