"""Routing rules' regular expressions are people's input: RE2 runs them in linear time, a
pattern it cannot run is refused when saved, and routing never holds the database's write lock
while it matches."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.support.api import assert_error, nothing_changes
from tests.support.web import form_errors
from tocsin.alerting import ingest as ingest_module
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Alert, RoutingRule
from tocsin.alerting.services import create_rule

CATASTROPHIC = "(a+)+b"  # exponential backtracking in a backtracking engine such as Python's re


def test_a_catastrophic_pattern_matches_in_linear_time_and_correctly(
    admin, prometheus, firing, payments
):
    create_rule(
        by=admin,
        name="Backtracking",
        position=10,
        team=payments,
        matchers=[{"field": "labels.x", "op": "=~", "value": CATASTROPHIC}],
    )

    [no] = ingest(integration=prometheus, alerts=[firing("fp-1", x="a" * 10_000)])
    [yes] = ingest(integration=prometheus, alerts=[firing("fp-2", x="a" * 10_000 + "b")])

    assert no.alert.rule is None
    assert no.decisions[0] == "No routing rule matched; used the integration's defaults"
    assert yes.alert.rule.name == "Backtracking"
    assert yes.decisions[0] == "Matched rule #10 'Backtracking' (labels.x =~ '(a+)+b')"


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        ("prod|staging", "staging", "production"),
        ("db-[0-9]+", "db-12", "db-"),
        (".*timeout.*", "read timeout after 5s", "refused"),
        ("colou?r", "color", "colouur"),
        ("x{2,5}", "xxx", "x"),
        ("(?i)checkout", "CheckOut", "check-out"),
        (r"\p{L}+", "café", "café1"),
        (r"\p{N}+", "٣", "three"),
        (r"\d+", "123", "٣"),  # \d, \w, \s and \b are ASCII only in RE2
        (r"\w+", "abc_1", "é"),
    ],
)
def test_the_syntax_rules_need_matches_the_whole_field(
    admin, prometheus, firing, payments, pattern, matching, not_matching
):
    create_rule(
        by=admin,
        name="R",
        team=payments,
        matchers=[{"field": "labels.x", "op": "=~", "value": pattern}],
    )
    [yes] = ingest(integration=prometheus, alerts=[firing("fp-1", x=matching)])
    [no] = ingest(integration=prometheus, alerts=[firing("fp-2", x=not_matching)])
    assert yes.alert.rule is not None
    assert no.alert.rule is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            r"(a)\1",
            r"matchers[0]: value is not a valid regex: invalid escape sequence: \1 "
            "(Tocsin runs RE2, which has no backreferences)",
        ),
        (
            "(?=a)a",
            "matchers[0]: value is not a valid regex: invalid perl operator: (?= "
            "(Tocsin runs RE2, which has no lookahead or lookbehind)",
        ),
        (
            "(?<!a)b",
            "matchers[0]: value is not a valid regex: invalid perl operator: (?<! "
            "(Tocsin runs RE2, which has no lookahead or lookbehind)",
        ),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_when_the_rule_is_saved_through_the_api(
    api_as, admin, pattern, message
):
    client = api_as(admin)
    with nothing_changes():
        response = client.post("/rules", {"name": "R", "matchers": [f"labels.x =~ {pattern}"]})
        also = client.post(
            "/rules",
            {"name": "R", "matchers": [{"field": "labels.x", "op": "!~", "value": pattern}]},
        )
    assert_error(response, 422, "validation_failed", field="matchers", message_contains=message)
    assert_error(
        also,
        422,
        "validation_failed",
        field="matchers",
        message_contains=message.removeprefix("matchers[0]: "),
    )
    assert not RoutingRule.objects.exists()


def test_a_pattern_re2_cannot_run_is_a_form_error_on_the_rules_page(signed_in, admin):
    response = signed_in(admin).post(
        reverse("rule-create"),
        {"name": "R", "position": "10", "matchers": "labels.x =~ (a)\\1", "enabled": "on"},
    )
    assert response.status_code == 422
    assert (
        "line 1: value is not a valid regex: invalid escape sequence: \\1 "
        "(Tocsin runs RE2, which has no backreferences)"
    ) in form_errors(response)
    assert not RoutingRule.objects.exists()


def test_a_pattern_re2_cannot_run_is_refused_when_a_rule_is_changed(api_as, admin):
    rule = create_rule(by=admin, name="R", matchers=[])
    client = api_as(admin)
    with nothing_changes():
        response = client.patch(f"/rules/{rule.pk}", {"matchers": ["labels.x =~ (a)\\1"]})
    assert_error(response, 422, "validation_failed", field="matchers")
    rule.refresh_from_db()
    assert rule.matchers == []


@pytest.mark.parametrize("op", ["=~", "!~"])
def test_a_stored_rule_whose_pattern_re2_cannot_run_is_skipped_and_the_alert_says_so(
    prometheus, firing, payments, platform, op
):
    # Saved before Tocsin ran RE2: Python's re accepted it.
    RoutingRule.objects.create(
        position=10,
        name="Doubled letters",
        team=platform,
        matchers=[{"field": "labels.x", "op": op, "value": r"(a)\1"}],
    )
    RoutingRule.objects.create(position=20, name="Catch-all", team=payments, matchers=[])

    [outcome] = ingest(integration=prometheus, alerts=[firing(x="aa")])

    assert outcome.alert.rule.name == "Catch-all"
    assert outcome.incident.team == payments
    assert outcome.decisions[:2] == [
        "Skipped rule #10 'Doubled letters': its pattern '(a)\\\\1' cannot run: "
        "invalid escape sequence: \\1 (Tocsin runs RE2, which has no backreferences); "
        "treated as not matching",
        "Matched rule #20 'Catch-all' (every alert)",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_routing_runs_before_the_write_transaction_not_inside_it(
    monkeypatch, admin, prometheus, firing, payments
):
    """On SQLite a write transaction holds the database's one write lock from its first
    statement (IMMEDIATE), and on PostgreSQL the alert's rows stay locked until it commits:
    matching rules in there would make every other write wait for the slowest pattern."""
    create_rule(
        by=admin,
        name="Slow to match",
        team=payments,
        matchers=[{"field": "labels.x", "op": "=~", "value": CATASTROPHIC}],
    )
    routed_inside_a_transaction = []
    route = ingest_module.route

    def watched(*args, **kwargs):
        routed_inside_a_transaction.append(connection.in_atomic_block)
        return route(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "route", watched)

    [first, second] = ingest(
        integration=prometheus,
        alerts=[firing("fp-1", x="a" * 30), firing("fp-2", x="a" * 30 + "b")],
    )
    [repeat] = ingest(integration=prometheus, alerts=[firing("fp-1", x="a" * 30)])

    assert routed_inside_a_transaction == [False, False]  # the repeat needed no routing
    assert first.alert.rule is None and second.alert.rule.name == "Slow to match"
    assert repeat.alert == first.alert and repeat.alert.count == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_alert_resolved_while_the_others_were_routed_is_routed_outside_the_transaction_too(
    monkeypatch, admin, prometheus, firing, payments
):
    create_rule(
        by=admin,
        name="Checkout",
        team=payments,
        matchers=[{"field": "labels.x", "op": "=~", "value": "a+"}],
    )
    [first] = ingest(integration=prometheus, alerts=[firing("fp-1", x="aaa")])
    routed_inside_a_transaction = []
    route, route_new = ingest_module.route, ingest_module._route_new

    def watched(*args, **kwargs):
        routed_inside_a_transaction.append(connection.in_atomic_block)
        return route(*args, **kwargs)

    def then_resolved(*args, **kwargs):
        route_new(*args, **kwargs)  # fp-1 is open: a repeat, not routed
        Alert.objects.filter(pk=first.alert.pk).update(status="resolved")  # by someone else

    monkeypatch.setattr(ingest_module, "route", watched)
    monkeypatch.setattr(ingest_module, "_route_new", then_resolved)

    [again] = ingest(integration=prometheus, alerts=[firing("fp-1", x="aaa")])

    assert routed_inside_a_transaction == [False]
    assert again.alert != first.alert and again.alert.count == 1
    assert again.alert.rule.name == "Checkout"
    assert Alert.objects.filter(status="firing").count() == 1


def test_an_alert_whose_rule_was_deleted_after_routing_is_routed_again(
    monkeypatch, admin, prometheus, firing, payments
):
    rule = create_rule(by=admin, name="Soon gone", team=payments, matchers=[])
    route_new = ingest_module._route_new

    def then_deleted(*args, **kwargs):
        route_new(*args, **kwargs)  # routed by "Soon gone"
        RoutingRule.objects.filter(pk=rule.pk).delete()  # by someone else, before the write

    monkeypatch.setattr(ingest_module, "_route_new", then_deleted)

    [outcome] = ingest(integration=prometheus, alerts=[firing()])

    assert outcome.alert.rule is None
    assert outcome.decisions[0] == "No routing rule matched; used the integration's defaults"
    assert outcome.incident is not None
