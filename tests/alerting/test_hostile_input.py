"""Hostile input to the alerting pages, API and command line is a clear refusal, never a 500:
permission comes before parsing, and nothing typed in can exhaust the parser's stack or time."""

import pytest
from django.urls import reverse

from tests.support.api import assert_error, nothing_changes
from tests.support.cli import run_cli
from tests.support.web import form_errors, page_text
from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Integration, RoutingRule
from tocsin.alerting.services import create_rule
from tocsin.alerting.sources._fields import tag_labels

DEEP = "(" * 1000 + ")" * 1000  # Python's re parser recursed once per parenthesis


# ---------------------------------------------------------------------------------------------
# Who may not write rules is refused before anything of the rule is read


@pytest.mark.parametrize("who", ["viewer", "member", "outsider"])
def test_who_may_not_add_rules_is_refused_before_the_pattern_is_read(request, api_as, who):
    client = api_as(request.getfixturevalue(who))
    with nothing_changes():
        as_line = client.post("/rules", {"name": "R", "matchers": [f"labels.x =~ {DEEP}"]})
        as_object = client.post(
            "/rules", {"name": "R", "matchers": [{"field": "labels.x", "op": "=~", "value": DEEP}]}
        )
    for response in (as_line, as_object):
        assert_error(
            response,
            403,
            "permission_denied",
            message_contains="only an admin, or a lead for their own team, may add routing rules",
        )
    assert not RoutingRule.objects.exists()


def test_who_may_not_change_a_rule_is_refused_before_the_pattern_is_read(api_as, admin, viewer):
    rule = create_rule(by=admin, name="R", matchers=[])
    client = api_as(viewer)
    with nothing_changes():
        response = client.patch(f"/rules/{rule.pk}", {"matchers": [f"labels.x =~ {DEEP}"]})
    assert_error(response, 403, "permission_denied")
    rule.refresh_from_db()
    assert rule.matchers == []


def test_a_viewer_posting_the_rules_form_is_refused_before_the_pattern_is_read(signed_in, viewer):
    response = signed_in(viewer).post(
        reverse("rule-create"),
        {"name": "R", "position": "10", "matchers": f"labels.x =~ {DEEP}", "enabled": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert "only an admin, or a lead for their own team, may add routing rules" in page_text(
        response
    )
    assert not RoutingRule.objects.exists()


# ---------------------------------------------------------------------------------------------
# A deep, long or huge pattern is a clear 422 / form error


@pytest.mark.parametrize(
    ("pattern", "line_message", "object_message"),
    [
        (
            DEEP,
            "matchers[0]: value is a pattern of 2,000 characters; at most 1,000 are allowed",
            "matchers[0].value is a pattern of 2,000 characters; at most 1,000 are allowed",
        ),
        (
            r"\pL{1000}",  # 1,000 of any letter: more than RE2 may use for one pattern
            "matchers[0]: value is not a valid regex: pattern too large - compile failed: "
            "it needs more than RE2's 1024 KiB for one pattern",
            "matchers[0].value is not a valid regex: pattern too large - compile failed",
        ),
        (
            "a{1001}",
            "matchers[0]: value is not a valid regex: invalid repetition size: {1001}",
            "matchers[0].value is not a valid regex: invalid repetition size: {1001}",
        ),
    ],
)
def test_a_deep_long_or_huge_pattern_is_refused_with_the_reason(
    api_as, admin, pattern, line_message, object_message
):
    client = api_as(admin)
    with nothing_changes():
        as_line = client.post("/rules", {"name": "R", "matchers": [f"labels.x =~ {pattern}"]})
        as_object = client.post(
            "/rules",
            {"name": "R", "matchers": [{"field": "labels.x", "op": "!~", "value": pattern}]},
        )
    assert_error(as_line, 422, "validation_failed", field="matchers", message_contains=line_message)
    assert_error(
        as_object, 422, "validation_failed", field="matchers", message_contains=object_message
    )
    assert not RoutingRule.objects.exists()


def test_a_pattern_of_1000_characters_nested_500_deep_is_saved_and_matches(
    api_as, admin, payments, prometheus, firing
):
    nested = "(" * 499 + "a+" + ")" * 499  # 1,000 characters
    response = api_as(admin).post(
        "/rules", {"name": "Deep", "team": "payments", "matchers": [f"labels.x =~ {nested}"]}
    )
    assert response.status_code == 201, response.content

    [yes] = ingest(integration=prometheus, alerts=[firing("fp-1", x="aaa")])
    [no] = ingest(integration=prometheus, alerts=[firing("fp-2", x="aab")])
    assert yes.alert.rule.name == "Deep" and no.alert.rule is None


def test_a_deep_pattern_on_the_rules_page_is_a_form_error(signed_in, admin):
    response = signed_in(admin).post(
        reverse("rule-create"),
        {"name": "R", "position": "10", "matchers": f"labels.x =~ {DEEP}", "enabled": "on"},
    )
    assert response.status_code == 422
    assert "line 1: value is a pattern of 2,000 characters; at most 1,000 are allowed" in (
        form_errors(response)
    )
    assert not RoutingRule.objects.exists()


# ---------------------------------------------------------------------------------------------
# Grouping key templates: refused or used, never a 500


@pytest.mark.parametrize(
    "template",
    [
        "{" * 200,
        "}" * 200,
        "{labels.a:{labels.b:{labels.c}}}",
        "{labels.a!r:>99999999}",
        "{labels.a[" + "[" * 180 + "}",
        "{}",
        "{0}",
        "{{" * 100,
    ],
)
def test_a_hostile_grouping_key_template_is_refused_or_harmless(
    api_as, admin, payments, prometheus, firing, template
):
    response = api_as(admin).post(
        "/rules", {"name": "R", "team": "payments", "grouping_key": template}
    )
    assert response.status_code in (201, 422), response.content
    [outcome] = ingest(integration=prometheus, alerts=[firing(a="1", b="2", c="3")])
    assert outcome.incident is not None
    assert outcome.alert.grouping_key.startswith("alert:")


# ---------------------------------------------------------------------------------------------
# Durations typed in: a number too large for any clock is refused, not a 500


TOO_LONG = "99999999999999999999d"


def test_a_reopen_window_too_large_for_any_clock_is_a_form_error(signed_in, lead, prometheus):
    response = signed_in(lead).post(
        reverse("integration-update", args=[prometheus.pk]),
        {
            "name": "Prometheus",
            "enabled": "on",
            "auto_resolve": "on",
            "reopen_window": TOO_LONG,
            "rate_limit_per_minute": "600",
        },
    )
    assert response.status_code == 422
    assert f"{TOO_LONG!r} is longer than any duration Tocsin can keep" in form_errors(response)
    prometheus.refresh_from_db()
    assert prometheus.reopen_window.total_seconds() == 30 * 60


def test_a_bare_number_too_large_for_any_clock_is_a_form_error(signed_in, lead, payments):
    response = signed_in(lead).post(
        reverse("integration-create"),
        {
            "kind": "heartbeat",
            "name": "Backup",
            "team": payments.pk,
            "heartbeat_interval": "999999999999999999",
        },
    )
    assert response.status_code == 200
    assert "'999999999999999999' is longer than any duration Tocsin can keep" in (
        form_errors(response)
    )
    assert not Integration.objects.exists()


def test_the_command_line_refuses_a_duration_too_large_for_any_clock(
    api_in_process, lead, payments, token_for, capsys
):
    with pytest.raises(SystemExit) as exit_:
        run_cli(
            capsys,
            "integration",
            "create",
            "--kind",
            "heartbeat",
            "--name",
            "Backup",
            "--team",
            "payments",
            "--heartbeat-interval",
            TOO_LONG,
            "--token",
            token_for(lead),
        )
    assert exit_.value.code == 2
    assert f"{TOO_LONG!r} is longer than any duration Tocsin can keep" in capsys.readouterr().err
    assert not Integration.objects.exists()


# ---------------------------------------------------------------------------------------------
# Tags (Datadog, Checkly) are read in one pass, whatever they hold


def test_a_tag_padded_with_a_hundred_thousand_spaces_is_read_in_one_pass():
    padding = " " * 100_000
    assert tag_labels([f"env{padding}:{padding}prod{padding}"]) == {"env": "prod"}
    assert tag_labels([f"x{padding}y"]) == {f"x{padding}y": ""}
    assert tag_labels([f"x:a{padding}b"]) == {"x": f"a{padding}b"}


@pytest.mark.parametrize(
    ("tags", "labels"),
    [
        (["env:prod"], {"env": "prod"}),
        (["env=prod"], {"env": "prod"}),
        ([" env : prod "], {"env": "prod"}),
        (["db"], {"db": ""}),
        (["url:http://x:8080/a=b"], {"url": "http://x:8080/a=b"}),
        ([":prod"], {":prod": ""}),
        (["=x"], {"=x": ""}),
        (["env:"], {"env": ""}),
        (["a\nb:c"], {"a\nb": "c"}),
        (["a:b\nc"], {"a:b\nc": ""}),
        (["a:b\n"], {"a": "b"}),
        (["env:prod", "env:staging", "env:prod"], {"env": "prod,staging"}),
        (["env", "env:prod"], {"env": "prod"}),
        (["", "  "], {}),
    ],
)
def test_tags_become_labels_as_before(tags, labels):
    assert tag_labels(tags) == labels
