"""The declare form's services, grouped by team: the chosen team's first, else the person's
first team's, then the other teams' in name order."""

import re

from django.urls import reverse

from tests.support.web import body
from tocsin.accounts.models import Team
from tocsin.incidents.models import Service


def _groups(html: str) -> list[tuple[str, list[str]]]:
    """(team, [service labels]) for each group of the services picker, in page order."""
    picker = html.split('id="services-picker"')[1].split('<p class="help">')[0]
    groups = re.findall(
        r'<fieldset class="service-group"><legend>(.*?)</legend>(.*?)</fieldset>', picker, re.S
    )
    return [(team, re.findall(r"<span>(.*?)</span>", boxes)) for team, boxes in groups]


def test_services_are_grouped_by_team_with_my_team_first(
    signed_in, outsider, payments, platform, checkout
):
    Service.objects.create(name="Edge proxy", slug="edge", team=platform)
    analytics = Team.objects.create(name="Analytics", slug="analytics")
    Service.objects.create(name="Analytics", slug="analytics", team=analytics)

    html = body(signed_in(outsider).get(reverse("incident-declare")))  # Carol, of Platform

    assert _groups(html) == [
        ("Platform", ["Edge proxy (Platform)"]),
        ("Analytics", ["Analytics (Analytics)"]),
        ("Payments", ["Checkout (Payments)"]),
    ]


def test_after_a_refused_post_the_chosen_teams_services_come_first(
    signed_in, outsider, payments, platform, checkout
):
    Service.objects.create(name="Edge proxy", slug="edge", team=platform)

    response = signed_in(outsider).post(
        reverse("incident-declare"), {"title": "", "team": payments.pk}
    )

    assert response.status_code == 200  # the title is missing: the form again
    assert [team for team, _ in _groups(body(response))] == ["Payments", "Platform"]


def test_a_chosen_service_stays_ticked_in_its_group(
    signed_in, outsider, payments, platform, checkout
):
    response = signed_in(outsider).post(
        reverse("incident-declare"), {"title": "", "team": payments.pk, "services": [checkout.pk]}
    )
    assert re.search(rf'value="{checkout.pk}"[^>]*checked', body(response))


def test_a_team_value_that_is_no_id_still_shows_the_form(signed_in, outsider, checkout):
    for value in ("nope", "9" * 30):
        response = signed_in(outsider).post(reverse("incident-declare"), {"team": value})
        assert response.status_code == 200
        assert [team for team, _ in _groups(body(response))] == ["Payments"]
