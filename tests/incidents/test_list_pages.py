"""Long incident lists: pages that continue where the last one ended, old page links, and a
count that stops at 10,000 and says so."""

import random
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.urls import reverse

from tests.support.api import assert_error
from tests.support.web import body
from tocsin.incidents.models import OPEN_STATUSES, Incident, Severity, Status
from tocsin.incidents.selectors import (
    COUNT_CAP,
    incidents_matching,
    needing_a_human_first,
)
from tocsin.pages.views import PAGE_SIZE

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def many(count: int, teams, *, seed: int = 3, same_time_every: int = 0) -> None:
    """`count` incidents of every status and severity, reported over the last weeks; with
    `same_time_every`, that many share each report time, so ties are broken by number."""
    rng = random.Random(seed)
    severities = list(Severity.objects.all())
    rows = []
    for n in range(count):
        status = rng.choice([*Status.values, "resolved", "resolved", "resolved"])
        minutes = n // same_time_every if same_time_every else rng.randint(1, 60_000)
        reported = NOW - timedelta(minutes=minutes)
        rows.append(
            Incident(
                title=f"Incident number {n}",
                severity=rng.choice(severities),
                team=rng.choice(teams),
                status=status,
                reported_at=reported,
                resolved_at=reported + timedelta(minutes=5) if status == "resolved" else None,
            )
        )
    Incident.objects.bulk_create(rows)


@pytest.fixture
def hundred(severities, payments, platform):
    many(100, [payments, platform])


@pytest.fixture
def ties(severities, payments):
    """60 incidents, four to each report time."""
    many(60, [payments], seed=5, same_time_every=4)


def page_references(html: str) -> list[str]:
    return re.findall(r'<span class="ref">(INC-\d+)</span>', html)


def next_link(html: str) -> str | None:
    found = re.search(r'href="(\?[^"]*)" rel="next"', html)
    return unescape(found.group(1)) if found else None


def walk_the_web_list(client, first: str) -> list[list[str]]:
    """Every page from `first`, by each page's Next link."""
    pages, url = [], first
    while url:
        html = body(client.get(reverse("incident-list") + url))
        pages.append(page_references(html))
        url = next_link(html)
    return pages


def whole_list_in_order(**filters) -> list[str]:
    """The list in its order, sorted by the database in one query."""
    return [i.reference for i in needing_a_human_first(incidents_matching(**filters))]


# --- Web: pages by Next link ------------------------------------------------------------------


@pytest.mark.usefixtures("hundred")
def test_following_next_lists_every_incident_once_in_the_lists_order(signed_in, lead):
    pages = walk_the_web_list(signed_in(lead), "?scope=all")

    assert [len(page) for page in pages] == [PAGE_SIZE] * 4
    assert sum(pages, []) == whole_list_in_order()


@pytest.mark.usefixtures("ties")
def test_incidents_reported_at_the_same_moment_are_neither_skipped_nor_repeated(signed_in, lead):
    pages = walk_the_web_list(signed_in(lead), "?scope=all")

    assert sum(pages, []) == whole_list_in_order()
    assert len(sum(pages, [])) == 60


@pytest.mark.usefixtures("hundred")
def test_next_keeps_the_filters_and_lists_only_what_matches(signed_in, lead):
    pages = walk_the_web_list(signed_in(lead), "?scope=all&team=platform&status=closed")

    expected = whole_list_in_order(team="platform", status="closed")
    assert sum(pages, []) == expected
    assert len(pages) == -(-len(expected) // PAGE_SIZE)


@pytest.mark.usefixtures("hundred")
def test_a_page_number_alone_shows_the_same_rows_as_following_next(signed_in, lead):
    client = signed_in(lead)
    by_next = walk_the_web_list(client, "?scope=all")

    for number, rows in enumerate(by_next, start=1):
        html = body(client.get(reverse("incident-list"), {"scope": "all", "page": number}))
        assert page_references(html) == rows
        assert f"Page {number} of 4" in html


@pytest.mark.usefixtures("hundred")
def test_a_page_beyond_the_end_or_a_cursor_that_is_not_one_shows_a_real_page(signed_in, lead):
    client = signed_in(lead)
    last = body(client.get(reverse("incident-list"), {"scope": "all", "page": 4}))

    beyond = client.get(reverse("incident-list"), {"scope": "all", "page": 99})
    garbled = client.get(reverse("incident-list"), {"scope": "all", "page": 2, "cursor": "x.1"})
    second = client.get(reverse("incident-list"), {"scope": "all", "page": 2})

    assert page_references(body(beyond)) == page_references(last)
    assert "Page 4 of 4" in body(beyond)
    assert garbled.status_code == 200
    assert page_references(body(garbled)) == page_references(body(second))


@pytest.mark.usefixtures("hundred")
def test_previous_goes_back_by_page_number(signed_in, lead):
    client = signed_in(lead)
    first = body(client.get(reverse("incident-list"), {"scope": "all"}))
    second = body(client.get(reverse("incident-list") + next_link(first)))

    previous = re.search(r'href="(\?[^"]*)" rel="prev"', second).group(1)
    assert unescape(previous) == "?scope=all&page=1"
    assert page_references(body(client.get(reverse("incident-list") + unescape(previous)))) == (
        page_references(first)
    )


# --- Web: the count ---------------------------------------------------------------------------


def test_a_list_of_more_than_10000_says_more_than_and_numbers_pages_without_a_last(
    signed_in, lead, payments, platform, severities
):
    many(COUNT_CAP + 1, [payments, platform])
    client = signed_in(lead)

    html = body(client.get(reverse("incident-list"), {"scope": "all"}))
    filtered = body(client.get(reverse("incident-list"), {"scope": "all", "status": "closed"}))
    open_ones = Incident.objects.filter(status__in=OPEN_STATUSES).count()
    few = body(client.get(reverse("incident-list"), {"scope": "all", "status": "open"}))

    assert "More than 10,000 incidents." in html
    assert "Page 1<" in html and "Page 1 of" not in html
    assert next_link(html) is not None
    assert "More than 10,000 incidents match these filters." not in filtered  # fewer closed
    assert f"{open_ones} incidents match these filters." in few


def test_exactly_10000_is_counted_exactly(signed_in, lead, payments, severities):
    many(COUNT_CAP, [payments])
    html = body(signed_in(lead).get(reverse("incident-list"), {"scope": "all"}))
    assert "10000 incidents." in html
    assert "Page 1 of 400" in html


# --- API: cursors and the count ---------------------------------------------------------------


def walk_the_api(client, **filters) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        params = {**filters, **({"cursor": cursor} if cursor else {})}
        answer = client.get("/incidents", **params).json()
        pages.append([item["reference"] for item in answer["items"]])
        cursor = answer["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.usefixtures("hundred")
def test_api_cursors_list_every_incident_once_as_offsets_do(api_as, viewer):
    client = api_as(viewer)

    by_cursor = walk_the_api(client, limit=7)
    by_offset = [
        [item["reference"] for item in client.get("/incidents", limit=7, offset=o).json()["items"]]
        for o in range(0, 100, 7)
    ]
    whole = client.get("/incidents", limit=200).json()

    assert by_cursor == by_offset
    assert sum(by_cursor, []) == [item["reference"] for item in whole["items"]]
    assert len(sum(by_cursor, [])) == 100
    assert whole["next_cursor"] is None
    assert (whole["count"], whole["count_is_exact"]) == (100, True)


@pytest.mark.usefixtures("ties")
def test_api_cursors_keep_ties_in_order_with_filters(api_as, viewer):
    client = api_as(viewer)
    pages = walk_the_api(client, limit=5, status="closed")
    whole = client.get("/incidents", limit=200, status="closed").json()["items"]
    assert sum(pages, []) == [item["reference"] for item in whole]


@pytest.mark.usefixtures("hundred")
def test_the_last_page_has_no_next_cursor_and_a_cursor_at_the_end_gives_an_empty_page(
    api_as, viewer
):
    client = api_as(viewer)
    last = client.get("/incidents", limit=10, offset=90).json()
    penultimate = client.get("/incidents", limit=10, offset=80).json()
    after_it = client.get("/incidents", limit=10, cursor=penultimate["next_cursor"]).json()

    assert last["next_cursor"] is None
    assert after_it["items"] == last["items"]
    assert after_it["next_cursor"] is None


def test_the_api_count_stops_at_10000_and_says_it_is_not_exact(
    api_as, viewer, payments, severities
):
    many(COUNT_CAP + 1, [payments])
    answer = api_as(viewer).get("/incidents", limit=1).json()
    assert (answer["count"], answer["count_is_exact"]) == (COUNT_CAP, False)
    assert answer["next_cursor"] is not None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cursor": "o.1", "offset": 5}, "either offset or cursor"),
        ({"cursor": "page-2"}, "not a cursor"),
        ({"cursor": "c.1.x.3"}, "not a cursor"),
        ({"cursor": "c.1.999999999999999999.3"}, "not a cursor"),
        ({"cursor": "o.-1"}, "not a cursor"),
    ],
)
@pytest.mark.usefixtures("hundred")
def test_a_cursor_the_list_did_not_give_out_is_refused(api_as, viewer, params, message):
    response = api_as(viewer).get("/incidents", **params)
    assert_error(response, 422, "validation_failed", field="cursor", message_contains=message)
