"""The incident list: what needs a human first, the Mine / My teams / All tabs, filters, search
and pages."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.support.web import body
from tocsin.incidents import services
from tocsin.incidents.models import Channel, Incident, Severity
from tocsin.pages.views import PAGE_SIZE

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


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


def test_open_incidents_come_before_closed_ones_unacknowledged_first(signed_in, member, board):
    response = signed_in(member).get(reverse("incident-list"), {"scope": "all"})
    assert titles(response) == [
        "Failover rehearsal",  # triggered: nobody has it yet, even if only a P4
        "Checkout returns 502",  # a P1, but Bob is working on it
        "Refunds stuck in pending",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, ["Failover rehearsal", "Checkout returns 502"]),
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
    response = signed_in(member).get(reverse("incident-list"), {"scope": "all", **query})
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
    found = client.get(reverse("incident-list"), {"q": reference, "scope": "all"})
    assert titles(found) == ["Failover rehearsal"]


def test_the_filters_stay_filled_in_and_nothing_found_says_so(signed_in, member, board):
    response = signed_in(member).get(
        reverse("incident-list"), {"q": "kubernetes", "team": "payments"}
    )
    html = body(response)
    assert 'value="kubernetes"' in html
    assert '<option value="payments" selected>' in html
    assert "No incidents match" in html


def test_unknown_filter_values_are_ignored(signed_in, member, board):
    response = signed_in(member).get(
        reverse("incident-list"), {"status": "exploded", "page": "x", "scope": "everything"}
    )
    assert response.status_code == 200
    assert len(titles(response)) == 2  # an unknown tab is the default one: Bob's teams


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
    assert 'name="scope" value="teams"' in body(first)
    every = client.get(reverse("incident-list"), {"scope": "all"})
    assert "?scope=all&amp;page=2" in body(every)  # the tab is kept from page to page


def test_an_empty_list_invites_declaring(signed_in, member):
    html = body(signed_in(member).get(reverse("incident-list"), {"scope": "all"}))
    assert "No incidents yet" in html
    assert reverse("incident-declare") in html


# --- What needs a human first ---------------------------------------------------------------


def declared(title, severity, team, by, *, minutes_ago, status=None, owner=None):
    """An incident reported `minutes_ago`, optionally acknowledged by `owner` or moved on."""
    with time_machine.travel(NOW - timedelta(minutes=minutes_ago), tick=False):
        incident = services.declare(title=title, severity=severity, team=team, by=by, via="web")
    if owner is not None:
        services.acknowledge(incident=incident, by=owner, via="web")
    if status == "resolved":
        services.resolve(incident=incident, by=by, via="web", resolution="Fixed")
    return incident


def test_unacknowledged_come_first_then_working_then_closed_by_severity_then_longest_waiting(
    signed_in, lead, member, payments, p1, p3, severities
):
    p2 = severities["P2"]
    declared("Closed P1", p1, payments, lead, minutes_ago=5, status="resolved")
    declared("Working P1", p1, payments, lead, minutes_ago=50, owner=member)
    declared("Triggered P3", p3, payments, lead, minutes_ago=90)
    declared("Triggered P1, newer", p1, payments, lead, minutes_ago=10)
    declared("Triggered P1, waiting longest", p1, payments, lead, minutes_ago=30)
    declared("Triggered P2", p2, payments, lead, minutes_ago=1)
    declared("Closed P3", p3, payments, lead, minutes_ago=2, status="resolved")
    declared("Closed P1, older", p1, payments, lead, minutes_ago=80, status="resolved")

    with time_machine.travel(NOW, tick=False):
        response = signed_in(member).get(reverse("incident-list"))

    assert titles(response) == [
        "Triggered P1, waiting longest",
        "Triggered P1, newer",
        "Triggered P2",
        "Triggered P3",
        "Working P1",
        "Closed P1",
        "Closed P1, older",
        "Closed P3",
    ]


@pytest.fixture
def three_tabs(lead, member, outsider, payments, platform, p1, p3, admin):
    """Bob declared one (Platform's), owns one (Payments'), responds to one (Payments'); Payments
    has one more he is not in, and Platform one more."""
    mine_declared = services.declare(
        title="Bob saw Platform's DNS fail", severity=p3, team=platform, by=member, via="web"
    )
    owned = services.declare(title="Checkout 502", severity=p1, team=payments, by=lead, via="web")
    services.acknowledge(incident=owned, by=member, via="web")
    responding = services.declare(
        title="Refunds slow", severity=p3, team=payments, by=lead, via="web"
    )
    services.assign_role(incident=responding, user=member, role="responder", by=lead, via="web")
    services.declare(title="Payouts late", severity=p3, team=payments, by=lead, via="web")
    services.declare(title="Disk full", severity=p3, team=platform, by=outsider, via="web")
    return mine_declared


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("mine", {"Bob saw Platform's DNS fail", "Checkout 502", "Refunds slow"}),
        ("teams", {"Checkout 502", "Refunds slow", "Payouts late"}),
        (
            "all",
            {"Bob saw Platform's DNS fail", "Checkout 502", "Refunds slow", "Payouts late"}
            | {"Disk full"},
        ),
    ],
)
def test_the_tabs_show_mine_my_teams_or_all(signed_in, member, three_tabs, scope, expected):
    response = signed_in(member).get(reverse("incident-list"), {"scope": scope})
    assert set(titles(response)) == expected
    assert len(titles(response)) == len(expected)  # nobody's incident twice
    html = body(response)
    assert f'href="?scope={scope}" aria-current="page"' in html


def test_the_list_opens_on_my_teams_or_on_all_for_someone_without_a_team(
    signed_in, member, admin, three_tabs
):
    teams = signed_in(member).get(reverse("incident-list"))
    assert teams.context["scope"] == "teams"
    assert len(titles(teams)) == 3

    everything = signed_in(admin).get(reverse("incident-list"))
    assert everything.context["scope"] == "all"
    assert len(titles(everything)) == 5


def test_the_tab_is_kept_when_filtering_and_the_filters_when_changing_tab(
    signed_in, member, three_tabs
):
    response = signed_in(member).get(reverse("incident-list"), {"scope": "mine", "severity": "P3"})
    html = body(response)

    assert set(titles(response)) == {"Bob saw Platform's DNS fail", "Refunds slow"}
    assert '<input type="hidden" name="scope" value="mine">' in html  # kept when filtering
    assert 'href="?scope=all&amp;severity=P3"' in html  # the filters kept when changing tab
    assert 'href="/incidents/?scope=mine">Clear</a>' in html


def test_the_count_names_one_incident_or_several_matching_the_filters(
    signed_in, member, three_tabs
):
    client = signed_in(member)
    one = body(client.get(reverse("incident-list"), {"severity": "P1"}))
    two = body(client.get(reverse("incident-list"), {"severity": "P3"}))
    plain = body(client.get(reverse("incident-list")))

    assert "1 incident matches these filters." in one
    assert "2 incidents match these filters." in two
    assert "3 incidents." in plain


def test_a_tab_without_incidents_says_so_and_offers_all(signed_in, member, outsider, platform, p3):
    services.declare(title="Disk full", severity=p3, team=platform, by=outsider, via="web")
    html = body(signed_in(member).get(reverse("incident-list")))
    assert "Nothing for your teams" in html
    assert 'href="/incidents/?scope=all"' in html


def test_with_300_incidents_bobs_unacknowledged_payments_p1_is_on_top(
    signed_in, lead, member, outsider, payments, platform, p1, p3, severities
):
    """Bob's page is among 299 others: newer P1s being worked on, closed P1s, other teams'."""
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        page_bob = services.declare(
            title="Card payments failing", severity=p1, team=payments, by=lead, via="web"
        )
    rows = []
    for n in range(299):
        team = (payments, platform)[n % 2]
        severity = (p1, p3, severities["P2"])[n % 3]
        status = ("acknowledged", "resolved", "triggered")[n % 3] if severity == p1 else "resolved"
        if severity != p1 and n % 5 == 0:
            status = "triggered"  # triggered, but less severe
        rows.append(
            Incident(
                title=f"Other {n}",
                severity=severity,
                team=team,
                status=status,
                reported_at=NOW - timedelta(minutes=n % 100),  # all newer than Bob's
                resolved_at=NOW if status == "resolved" else None,
            )
        )
    Incident.objects.bulk_create(rows)
    assert Incident.objects.count() == 300

    with time_machine.travel(NOW, tick=False):
        response = signed_in(member).get(reverse("incident-list"))

    first_page = titles(response)
    assert first_page[0] == page_bob.title
    assert len(first_page) == PAGE_SIZE
    html = body(response)
    assert html.index("Card payments failing") < html.index("Other ")


def test_the_filters_fold_away_unless_one_is_on(signed_in, member, three_tabs):
    client = signed_in(member)
    folded = body(client.get(reverse("incident-list")))
    unfolded = body(client.get(reverse("incident-list"), {"severity": "P3"}))

    assert '<input type="checkbox" id="filters-toggle" class="filters-toggle">' in folded
    assert 'id="filters-toggle" class="filters-toggle" checked>' in unfolded
    assert "Filters (on)" in unfolded
