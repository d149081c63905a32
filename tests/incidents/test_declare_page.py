"""Declaring an incident from the web form."""

from django.urls import reverse

from tests.support.web import body
from tocsin.incidents.models import Event, Incident, Source


def test_the_form_explains_each_severity_and_preselects_my_team(signed_in, member, checkout):
    html = body(signed_in(member).get(reverse("incident-declare")))

    assert "checkout returns 502 gateway errors" in html  # P1's description
    assert "a replica server is down" in html  # P3's description
    assert 'type="radio" name="severity"' in html
    assert f'<option value="{checkout.team.pk}" selected>Payments</option>' in html
    assert "Checkout (Payments)" in html
    assert 'name="drill"' in html


def test_declaring_creates_the_incident_and_opens_it(signed_in, member, payments, p1, checkout):
    response = signed_in(member).post(
        reverse("incident-declare"),
        {
            "title": "Checkout returns 502",
            "severity": p1.pk,
            "team": payments.pk,
            "services": [checkout.pk],
            "description": "Since 14:02, every checkout.",
            "impact_who": "All customers paying",
            "impact_how": "They cannot pay",
        },
    )

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incident-detail", args=[incident.pk])
    assert incident.title == "Checkout returns 502"
    assert incident.severity == p1
    assert incident.team == payments
    assert list(incident.services.all()) == [checkout]
    assert (incident.impact_who, incident.impact_how) == ("All customers paying", "They cannot pay")
    assert incident.reported_by == member
    assert incident.source == Source.MANUAL
    assert not incident.drill
    assert incident.commander() == member
    declared = incident.timeline.get(kind=Event.CREATED)
    assert declared.via == "web"


def test_a_drill_is_marked_as_one(signed_in, member, payments, p1):
    response = signed_in(member).post(
        reverse("incident-declare"),
        {"title": "Game day", "severity": p1.pk, "team": payments.pk, "drill": "on"},
        follow=True,
    )
    assert Incident.objects.get().drill
    assert '<span class="tag tag-drill">Drill</span>' in body(response)
    assert "Drill INC-" in body(response)


def test_an_empty_title_shows_a_form_error_and_declares_nothing(signed_in, member, payments, p1):
    response = signed_in(member).post(
        reverse("incident-declare"), {"title": "   ", "severity": p1.pk, "team": payments.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["This field is required."]
    assert 'class="field field-invalid"' in body(response)
    assert not Incident.objects.exists()


def test_a_missing_severity_is_an_error_too(signed_in, member, payments):
    response = signed_in(member).post(
        reverse("incident-declare"), {"title": "Checkout returns 502", "team": payments.pk}
    )
    assert "severity" in response.context["form"].errors
    assert 'value="Checkout returns 502"' in body(response)  # what was typed is kept
    assert not Incident.objects.exists()


def test_a_viewer_is_told_they_cannot_declare(signed_in, viewer, payments, p1):
    response = signed_in(viewer).post(
        reverse("incident-declare"), {"title": "Checkout", "severity": p1.pk, "team": payments.pk}
    )
    assert response.status_code == 403  # the page is refused too (tests/pages/test_error_pages.py)
    assert "is a viewer and may not change anything" in body(response)
    assert not Incident.objects.exists()
