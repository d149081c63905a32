"""Reading through the API: the incident list with its filters and pages, teams, the catalog."""

import pytest

from tests.support.api import assert_error, nothing_changes
from tocsin.incidents.models import Channel, Service, Severity
from tocsin.incidents.services import acknowledge, declare, resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(payments, platform, lead, outsider, p1, p3, checkout):
    """Four incidents: open P1 and P3 for Payments, a resolved P1, and a Platform drill."""
    database = Service.objects.create(name="Database", slug="database", team=platform)
    p1_open = declare(
        title="Checkout returns 502", severity=p1, team=payments, by=lead, services=[checkout]
    )
    p3_open = declare(title="Slow refunds page", severity=p3, team=payments, by=lead)
    done = declare(title="Card fees wrong", severity=p1, team=payments, by=lead)
    acknowledge(incident=done, by=lead, via=Channel.WEB)
    resolve(incident=done, by=lead, via=Channel.WEB, resolution="Fee table corrected")
    drill = declare(
        title="Failover game day",
        severity=p3,
        team=platform,
        by=outsider,
        services=[database],
        drill=True,
    )
    return {"p1": p1_open, "p3": p3_open, "resolved": done, "drill": drill}


def titles(response):
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def test_the_list_shows_open_incidents_first_then_by_severity_then_newest(api_as, viewer, board):
    response = api_as(viewer).get("/incidents")

    assert response.json()["count"] == 4
    assert titles(response) == [
        "Checkout returns 502",
        "Failover game day",
        "Slow refunds page",
        "Card fees wrong",
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "open"}, {"Checkout returns 502", "Slow refunds page", "Failover game day"}),
        ({"status": "closed"}, {"Card fees wrong"}),
        ({"status": "resolved"}, {"Card fees wrong"}),
        ({"status": "acknowledged"}, set()),
        ({"severity": "P1"}, {"Checkout returns 502", "Card fees wrong"}),
        ({"severity": "p3", "team": "payments"}, {"Slow refunds page"}),
        ({"team": "platform"}, {"Failover game day"}),
        ({"service": "checkout"}, {"Checkout returns 502"}),
        ({"drill": "true"}, {"Failover game day"}),
        ({"drill": "false", "status": "open"}, {"Checkout returns 502", "Slow refunds page"}),
        ({"q": "refunds"}, {"Slow refunds page"}),
        ({"q": "fee table"}, {"Card fees wrong"}),
    ],
)
def test_filters_narrow_the_list(api_as, viewer, board, filters, expected):
    response = api_as(viewer).get("/incidents", **filters)
    assert set(titles(response)) == expected
    assert response.json()["count"] == len(expected)


def test_q_finds_an_incident_by_its_reference(api_as, viewer, board):
    reference = board["p3"].reference
    assert titles(api_as(viewer).get("/incidents", q=reference)) == ["Slow refunds page"]


@pytest.mark.parametrize("digits", ["²", "٣", "INC-٣", "99999999999999999999999"])
def test_q_with_digits_that_are_not_ascii_or_too_long_searches_text_only(
    api_as, viewer, board, digits
):
    assert titles(api_as(viewer).get("/incidents", q=digits)) == []


@pytest.mark.parametrize("ref", ["²", "INC-²", "٣", "INC-٣", "99999999999999999999999"])
def test_an_incident_reference_is_ascii_digits_only(api_as, viewer, board, ref):
    response = api_as(viewer).get(f"/incidents/{ref}")
    assert_error(response, 404, "not_found")


def test_pages_keep_the_total_count(api_as, viewer, board):
    client = api_as(viewer)

    first = client.get("/incidents", limit=2)
    second = client.get("/incidents", limit=2, offset=2)
    beyond = client.get("/incidents", limit=2, offset=10)

    assert first.json()["count"] == second.json()["count"] == beyond.json()["count"] == 4
    assert len(titles(first)) == len(titles(second)) == 2
    assert set(titles(first)).isdisjoint(titles(second))
    assert titles(beyond) == []


def test_list_items_have_the_full_incident_shape(api_as, viewer, board, lead):
    item = api_as(viewer).get("/incidents", severity="P1", status="open").json()["items"][0]
    detail = api_as(viewer).get(f"/incidents/{item['id']}").json()
    assert item == detail
    assert item["commander"]["id"] == lead.pk
    assert item["roles"][0]["role"] == "commander"


def test_the_list_costs_a_fixed_number_of_queries(
    api_as, viewer, board, django_assert_max_num_queries
):
    client = api_as(viewer)
    client.get("/incidents")  # the token's last use is written once
    with django_assert_max_num_queries(10):
        response = client.get("/incidents", limit=200)
    assert response.json()["count"] == 4


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "sleeping"}, "status"),
        ({"severity": "P9"}, "severity"),
        ({"team": "nope"}, "team"),
        ({"service": "nope"}, "service"),
        ({"drill": "perhaps"}, "drill"),
    ],
)
def test_a_bad_filter_is_422_naming_it(api_as, viewer, board, filters, field):
    assert_error(api_as(viewer).get("/incidents", **filters), 422, "validation_failed", field=field)


# --- teams, people and the catalog ---------------------------------------------------------


def test_teams_are_listed(api_as, viewer, payments, platform):
    response = api_as(viewer).get("/teams")
    assert response.status_code == 200
    assert [(t["slug"], t["name"], t["email"]) for t in response.json()] == [
        ("payments", "Payments", "payments@example.com"),
        ("platform", "Platform", ""),
    ]


def test_a_team_shows_its_members_and_their_roles(api_as, viewer, lead, member):
    response = api_as(viewer).get("/teams/payments")

    assert response.status_code == 200
    members = [(m["user"]["email"], m["role"]) for m in response.json()["members"]]
    assert members == [("alice@example.com", "lead"), ("bob@example.com", "member")]


def test_an_unknown_team_is_404(api_as, viewer):
    assert_error(api_as(viewer).get("/teams/nope"), 404, "not_found", message_contains="nope")


def test_me_shows_the_instance_role(api_as, admin, viewer):
    assert api_as(admin).get("/me").json()["role"] == "admin"
    assert api_as(admin).get("/me").json()["is_admin"] is True
    assert api_as(viewer).get("/me").json()["teams"] == []


def test_severities_are_the_ladder(api_as, viewer):
    response = api_as(viewer).get("/severities")

    assert response.status_code == 200
    ladder = response.json()
    assert [s["key"] for s in ladder] == list(
        Severity.objects.order_by("rank").values_list("key", flat=True)
    )
    p1 = ladder[0]
    assert set(p1) == {
        "key",
        "name",
        "rank",
        "description",
        "color",
        "pages_oncall",
        "requires_postmortem",
    }
    assert (p1["key"], p1["name"], p1["rank"]) == ("P1", "Critical", 1)
    assert p1["pages_oncall"] is True


def test_services_name_their_team(api_as, viewer, checkout):
    response = api_as(viewer).get("/services")
    assert response.json() == [
        {
            "slug": "checkout",
            "name": "Checkout",
            "description": "",
            "team": {"slug": "payments", "name": "Payments"},
        }
    ]


def test_reading_changes_nothing(api_as, viewer, board):
    client = api_as(viewer)
    with nothing_changes(board["p1"]):
        for path in [
            "/incidents",
            f"/incidents/{board['p1'].pk}",
            "/teams",
            "/me",
            f"/incidents/{board['p1'].pk}/timeline",
            "/severities",
            "/services",
        ]:
            assert client.get(path).status_code == 200
