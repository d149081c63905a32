"""A routing rule's runbook is one of Tocsin's or an external runbook URL, never both: chosen on
the rule's form or in the rules API (or linked from the runbook's page), shown by its name and
linking to it on the rule pages and in the rules API."""

import pytest

from tests.support.web import page_text
from tocsin.alerting.models import RoutingRule
from tocsin.alerting.services import create_rule, update_rule
from tocsin.runbooks.selectors import runbook_for
from tocsin.runbooks.services import create_runbook, update_runbook


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


def test_the_rule_edit_page_names_its_runbook_and_has_it_chosen(signed_in, admin, linked):
    response = signed_in(admin).get(f"/alerting/rules/{linked.pk}/edit/")
    html = response.content.decode()
    assert "Runbook: Checkout error rate" in page_text(response)
    assert '<a href="/runbooks/checkout-error-rate/">' in html
    assert '<option value="checkout-error-rate" selected>Checkout error rate</option>' in html


def _form(rule, **changes):
    """The edit form as the page sends it, with these fields changed."""
    fields = {
        "name": rule.name,
        "position": rule.position,
        "matchers": "labels.severity = critical",
        "team": rule.team_id or "",
        "runbook": "",
        "runbook_url": rule.runbook_url,
        "enabled": "on",
    }
    return {**fields, **changes}


def test_choosing_a_tocsin_runbook_on_the_rule_form_links_it_and_clears_the_url(
    signed_in, admin, critical_rule, checkout_runbook
):
    response = signed_in(admin).post(
        f"/alerting/rules/{critical_rule.pk}/edit/",
        _form(critical_rule, runbook="checkout-error-rate", runbook_url=""),
    )
    assert response.status_code == 302, page_text(response)
    rule = RoutingRule.objects.get(pk=critical_rule.pk)
    assert rule.runbook_link.runbook == checkout_runbook
    assert rule.runbook_url == ""
    assert list(checkout_runbook.rule_links.values_list("rule__name", flat=True)) == [
        "Critical checkout"
    ]


def test_a_new_rule_can_choose_a_tocsin_runbook(signed_in, admin, payments, checkout_runbook):
    response = signed_in(admin).post(
        "/alerting/rules/new/",
        {
            "name": "Checkout page",
            "position": 5,
            "matchers": "labels.alertname = CheckoutErrorRate",
            "team": payments.pk,
            "runbook": "checkout-error-rate",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, page_text(response)
    rule = RoutingRule.objects.get(name="Checkout page")
    assert rule.runbook_link.runbook == checkout_runbook


def test_the_form_refuses_a_runbook_and_a_url_together_and_changes_nothing(
    signed_in, admin, critical_rule, checkout_runbook
):
    response = signed_in(admin).post(
        f"/alerting/rules/{critical_rule.pk}/edit/",
        _form(critical_rule, runbook="checkout-error-rate", name="Renamed"),
    )
    assert response.status_code == 422
    assert "choose a runbook of Tocsin's or give a runbook URL, not both" in page_text(response)
    rule = RoutingRule.objects.get(pk=critical_rule.pk)
    assert (rule.name, rule.runbook_url) == (
        "Critical checkout",
        "https://wiki.example.org/checkout",
    )
    assert not checkout_runbook.rule_links.exists()


def test_the_form_refuses_a_runbook_that_is_not_there(
    signed_in, admin, critical_rule, checkout_runbook
):
    response = signed_in(admin).post(
        f"/alerting/rules/{critical_rule.pk}/edit/",
        _form(critical_rule, runbook="no-such-runbook", runbook_url=""),
    )
    assert response.status_code == 422
    assert "no-such-runbook" in page_text(response)
    assert RoutingRule.objects.get(pk=critical_rule.pk).runbook_url == (
        "https://wiki.example.org/checkout"
    )


def test_giving_a_url_on_the_form_takes_the_rule_off_its_tocsin_runbook(
    signed_in, admin, linked, checkout_runbook
):
    response = signed_in(admin).post(
        f"/alerting/rules/{linked.pk}/edit/",
        _form(linked, runbook="", runbook_url="https://wiki.example.org/new"),
    )
    assert response.status_code == 302, page_text(response)
    rule = RoutingRule.objects.get(pk=linked.pk)
    assert rule.runbook_url == "https://wiki.example.org/new"
    assert not checkout_runbook.rule_links.exists()


def test_without_runbooks_the_form_asks_only_for_a_url(signed_in, admin, critical_rule):
    response = signed_in(admin).get(f"/alerting/rules/{critical_rule.pk}/edit/")
    html = response.content.decode()
    assert 'name="runbook_url"' in html
    assert 'name="runbook"' not in html


def test_the_runbook_chosen_on_the_rule_is_the_one_its_incidents_follow(
    admin, lead, checkout_runbook, fire, payments
):
    """Chosen from the rule's side, the runbook is what the incident the rule routes shows."""
    other = create_runbook(
        name="Anything critical",
        body="1. Look around\n2. Ask for help\n",
        services=[checkout_runbook.services.get()],
        by=lead,
    )
    create_rule(
        by=admin,
        name="Everything critical",
        position=1,
        matchers=["labels.severity = critical"],
        team=payments,
        runbook=other.slug,
    )
    found = runbook_for(fire().incident)
    assert (found.runbook, found.why) == (
        other,
        "the runbook of routing rule 'Everything critical'",
    )


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


def test_the_rules_api_chooses_a_tocsin_runbook_by_slug(api_as, admin, payments, checkout_runbook):
    response = api_as(admin).post(
        "/rules",
        {"name": "Checkout page", "team": payments.slug, "runbook": "checkout-error-rate"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["runbook"] == {
        "name": "Checkout error rate",
        "slug": "checkout-error-rate",
        "url": "/runbooks/checkout-error-rate/",
    }
    assert RoutingRule.objects.get(name="Checkout page").runbook_link.runbook == checkout_runbook


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"runbook": "no-such-runbook"}, "there is no runbook 'no-such-runbook'"),
        (
            {"runbook": "checkout-error-rate", "runbook_url": "https://wiki.example.org/x"},
            "choose a runbook of Tocsin's or give a runbook URL, not both",
        ),
    ],
)
def test_the_rules_api_refuses_a_bad_runbook_and_creates_nothing(
    api_as, admin, payments, checkout_runbook, payload, message
):
    response = api_as(admin).post("/rules", {"name": "Checkout page", **payload})
    assert response.status_code == 422, response.content
    body = response.json()
    assert message in str(body)
    assert "runbook" in str(body)
    assert not RoutingRule.objects.filter(name="Checkout page").exists()


def test_the_rules_api_patch_changes_and_clears_the_runbook(
    api_as, admin, critical_rule, checkout_runbook
):
    client = api_as(admin)
    linked = client.patch(f"/rules/{critical_rule.pk}", {"runbook": "checkout-error-rate"})
    assert linked.status_code == 200, linked.content
    assert linked.json()["runbook"]["slug"] == "checkout-error-rate"
    assert linked.json()["runbook_url"] == ""  # choosing a Tocsin runbook cleared the URL
    cleared = client.patch(f"/rules/{critical_rule.pk}", {"runbook": None})
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["runbook"] is None
    assert not checkout_runbook.rule_links.exists()


def test_a_url_given_again_takes_the_rule_off_its_tocsin_runbook(
    api_as, signed_in, admin, linked, checkout_runbook
):
    update_rule(rule=linked, by=admin, runbook_url="https://wiki.example.org/again")
    text = page_text(signed_in(admin).get("/alerting/rules/"))
    rules_card = (
        text.split("Rules, in order")[1].split("Severity mapping")[0].split("Add a rule")[0]
    )
    assert "Runbook: https://wiki.example.org/again" in rules_card
    assert "Checkout error rate" not in rules_card
    [rule] = api_as(admin).get("/rules").json()
    assert rule["runbook"]["slug"] is None
    assert rule["runbook_url"] == "https://wiki.example.org/again"
    assert not checkout_runbook.rule_links.exists()


def test_a_change_that_leaves_the_runbook_alone_keeps_it(admin, linked, checkout_runbook):
    update_rule(rule=linked, by=admin, name="Renamed", runbook_url="")
    assert RoutingRule.objects.get(pk=linked.pk).runbook_link.runbook == checkout_runbook
