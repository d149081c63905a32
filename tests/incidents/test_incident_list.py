"""The incident list: open incidents first, filters, search and pages."""

import pytest
from django.urls import reverse

from tests.support.web import body
from tocsin.incidents import services
from tocsin.incidents.models import Channel, Severity
from tocsin.pages.views import PAGE_SIZE


@pytest.fixture
def p4(db):
    return Severity.objects.get(key="P4")


@pytest.fixture
def board(incident, lead, member, outsider, payments, platform, p3, p4):
    """Checkout (P1, Payments, open), a resolved P3 for Payments and a P4 drill for Platform."""
    services.acknowledge(incident=incident, by=member, via=Channel.WEB)
    refunds = services.declare(
        title="Refunds stuck in pending", severity=p3, team=payments, by=lead, via=Channel.WEB
    )
    services.resolve(incident=refunds, by=lead, via=Channel.WEB, resolution="Restarted worker")
    drill = services.declare(
        title="Failover rehearsal",
        severity=p4,
        team=platform,
        by=outsider,
        via=Channel.WEB,
        drill=True,
    )
    return {"checkout": incident, "refunds": refunds, "drill": drill}


def titles(response) -> list[str]:
    return [incident.title for incident in response.context["page"].object_list]


def test_each_row_shows_reference_severity_title_status_team_owner_and_age(
    signed_in, member, board
):
    response = signed_in(member).get(reverse("incident-list"))
    html = body(response)
    checkout = board["checkout"]

    assert response.status_code == 200
    assert checkout.reference in html
    assert "Checkout returns 502" in html
    assert 'class="severity" style="--sev: #dc2626;' in html  # P1 in its own colour
    assert '<span class="pill pill-acknowledged">Working</span>' in html
    assert "Payments" in html
    assert "Bob Okafor" in html  # the owner
    assert f'href="{reverse("incident-detail", args=[checkout.pk])}"' in html
    assert "<time" in html


def test_open_incidents_come_before_closed_ones(signed_in, member, board):
    response = signed_in(member).get(reverse("incident-list"))
    assert titles(response) == [
        "Checkout returns 502",
        "Failover rehearsal",
        "Refunds stuck in pending",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, ["Checkout returns 502", "Failover rehearsal"]),
        ({"status": "closed"}, ["Refunds stuck in pending"]),
        ({"status": "acknowledged"}, ["Checkout returns 502"]),
        ({"status": "triggered"}, ["Failover rehearsal"]),
        ({"severity": "P3"}, ["Refunds stuck in pending"]),
        ({"team": "platform"}, ["Failover rehearsal"]),
        ({"service": "checkout"}, ["Checkout returns 502"]),
        ({"drill": "only"}, ["Failover rehearsal"]),
        ({"drill": "no"}, ["Checkout returns 502", "Refunds stuck in pending"]),
        ({"team": "payments", "status": "open"}, ["Checkout returns 502"]),
    ],
)
def test_filters_narrow_the_list(signed_in, member, board, query, expected):
    response = signed_in(member).get(reverse("incident-list"), query)
    assert titles(response) == expected


def test_search_finds_a_title_word_or_a_reference(signed_in, member, board):
    client = signed_in(member)
    assert titles(client.get(reverse("incident-list"), {"q": "refunds"})) == [
        "Refunds stuck in pending"
    ]
    assert titles(client.get(reverse("incident-list"), {"q": "restarted"})) == [
        "Refunds stuck in pending"  # the resolution is searched too
    ]
    reference = board["drill"].reference
    assert titles(client.get(reverse("incident-list"), {"q": reference})) == ["Failover rehearsal"]


def test_the_filters_stay_filled_in_and_nothing_found_says_so(signed_in, member, board):
    response = signed_in(member).get(
        reverse("incident-list"), {"q": "kubernetes", "team": "payments"}
    )
    html = body(response)
    assert 'value="kubernetes"' in html
    assert '<option value="payments" selected>' in html
    assert "No incidents match" in html


def test_unknown_filter_values_are_ignored(signed_in, member, board):
    response = signed_in(member).get(reverse("incident-list"), {"status": "exploded", "page": "x"})
    assert response.status_code == 200
    assert len(titles(response)) == 3


def test_long_lists_are_split_into_pages_that_keep_the_filters(signed_in, lead, payments, p3):
    for n in range(PAGE_SIZE + 2):
        services.declare(title=f"Flaky job {n}", severity=p3, team=payments, by=lead, via="web")
    client = signed_in(lead)

    first = client.get(reverse("incident-list"), {"team": "payments"})
    second = client.get(reverse("incident-list"), {"team": "payments", "page": 2})

    assert len(titles(first)) == PAGE_SIZE
    assert len(titles(second)) == 2
    assert "Page 1 of 2" in body(first)
    assert "?team=payments&amp;page=2" in body(first)


def test_an_empty_list_invites_declaring(signed_in, member):
    html = body(signed_in(member).get(reverse("incident-list")))
    assert "No incidents yet" in html
    assert reverse("incident-declare") in html
