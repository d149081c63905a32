"""A routing rule shows its runbook: one of Tocsin's linked on the runbook's page, by its name
and linking to it, else its external runbook URL, on the rule pages and in the rules API."""

import pytest

from tests.support.web import page_text
from tocsin.alerting.models import RoutingRule
from tocsin.alerting.services import create_rule, update_rule
from tocsin.runbooks.services import update_runbook


@pytest.fixture
def critical_rule(admin, payments):
    return create_rule(
        by=admin,
        name="Critical checkout",
        position=10,
        matchers=["labels.severity = critical"],
        team=payments,
        runbook_url="https://wiki.example.org/checkout",
    )


@pytest.fixture
def quiet_rule(admin, payments):
    return create_rule(by=admin, name="Quiet", position=20, matchers=[], team=payments)


@pytest.fixture
def linked(checkout_runbook, critical_rule, lead):
    """The rule linked to "Checkout error rate" on the runbook's side (clearing its URL)."""
    update_runbook(runbook=checkout_runbook, by=lead, rules=[critical_rule])
    return critical_rule


def test_a_linked_rule_shows_its_runbook_by_name_linking_to_it(signed_in, viewer, linked):
    response = signed_in(viewer).get("/alerting/rules/")
    html = response.content.decode()
    text = page_text(response)
    assert response.status_code == 200
    assert "Runbook: Checkout error rate" in text
    assert '<a href="/runbooks/checkout-error-rate/">Checkout error rate</a>' in html
    assert "wiki.example.org" not in html  # linking it cleared the external address
    assert RoutingRule.objects.get(pk=linked.pk).runbook_url == ""


def test_a_rule_with_only_an_external_url_shows_the_url(signed_in, viewer, critical_rule):
    response = signed_in(viewer).get("/alerting/rules/")
    html = response.content.decode()
    assert "Runbook: https://wiki.example.org/checkout" in page_text(response)
    assert 'href="https://wiki.example.org/checkout" rel="noopener noreferrer"' in html
    assert "/runbooks/" not in html.split('id="rules"')[1].split("</section>")[0]


def test_a_rule_without_a_runbook_shows_none(signed_in, viewer, quiet_rule):
    response = signed_in(viewer).get("/alerting/rules/")
    rules_card = page_text(response).split("Rules, in order")[1].split("Severity mapping")[0]
    assert "Quiet" in rules_card
    assert "Runbook:" not in rules_card


def test_the_rule_edit_page_names_its_runbook(signed_in, admin, linked):
    response = signed_in(admin).get(f"/alerting/rules/{linked.pk}/edit/")
    assert "Runbook: Checkout error rate (linked on the runbook's page)" in page_text(response)
    assert '<a href="/runbooks/checkout-error-rate/">' in response.content.decode()


def test_the_rules_api_gives_each_rule_its_runbook(
    api_as, viewer, linked, quiet_rule, admin, payments
):
    external = create_rule(
        by=admin,
        name="Search",
        position=30,
        matchers=[],
        team=payments,
        runbook_url="https://wiki.example.org/search",
    )
    response = api_as(viewer).get("/rules")
    assert response.status_code == 200, response.content
    runbooks = {rule["name"]: (rule["runbook"], rule["runbook_url"]) for rule in response.json()}
    assert runbooks == {
        "Critical checkout": (
            {
                "name": "Checkout error rate",
                "slug": "checkout-error-rate",
                "url": "/runbooks/checkout-error-rate/",
            },
            "",
        ),
        "Quiet": (None, ""),
        "Search": (
            {"name": external.runbook_url, "slug": None, "url": external.runbook_url},
            "https://wiki.example.org/search",
        ),
    }


def test_a_changed_rule_answers_with_its_runbook(api_as, admin, linked):
    response = api_as(admin).patch(f"/rules/{linked.pk}", {"name": "Checkout critical"})
    assert response.status_code == 200, response.content
    assert response.json()["runbook"]["slug"] == "checkout-error-rate"
    assert RoutingRule.objects.get(pk=linked.pk).name == "Checkout critical"


def test_a_tocsin_runbook_is_shown_before_a_url_given_again(api_as, signed_in, admin, linked):
    update_rule(rule=linked, by=admin, runbook_url="https://wiki.example.org/again")
    text = page_text(signed_in(admin).get("/alerting/rules/"))
    assert "Runbook: Checkout error rate" in text
    assert "wiki.example.org/again" not in text
    [rule] = api_as(admin).get("/rules").json()
    assert rule["runbook"]["slug"] == "checkout-error-rate"
    assert rule["runbook_url"] == "https://wiki.example.org/again"
