"""Writing runbooks: Markdown whose numbered items are the steps, every edit kept as a version
with its author and a diff, alert names with one runbook each."""

import pytest

from tocsin.errors import ValidationFailed
from tocsin.runbooks.models import Runbook, RunbookAlert, RunbookVersion
from tocsin.runbooks.services import create_runbook, update_runbook
from tocsin.runbooks.steps import diff_lines, steps_of

from .conftest import CHECKOUT_RUNBOOK


def test_the_steps_are_the_numbered_items_of_the_body():
    steps = steps_of(CHECKOUT_RUNBOOK)
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    assert steps[1].text == "Roll back the latest deploy"
    assert steps[0].html == (
        "<p>Open the <strong>Checkout</strong> dashboard and confirm the error rate</p>"
    )


def test_bullets_and_nested_lists_are_not_steps_and_a_step_keeps_its_lines():
    body = "- a bullet\n\n1. Restart\n   the worker\n   - on every host\n2. Check\n"
    steps = steps_of(body)
    assert [s.text for s in steps] == ["Restart\nthe worker\n- on every host", "Check"]
    assert steps[0].title == "Restart"


def test_a_step_cannot_carry_a_script_or_a_javascript_link():
    [step] = steps_of("1. Click <script>alert(1)</script> [here](javascript:alert(1))\n")
    assert "<script" not in step.html
    assert "href" not in step.html
    assert "&lt;script&gt;" in step.html


def test_writing_a_runbook_keeps_version_1_by_its_author(checkout_runbook, lead):
    assert checkout_runbook.slug == "checkout-error-rate"
    [version] = checkout_runbook.versions.all()
    assert (version.number, version.author, version.author_name) == (1, lead, "Alice Novak")
    assert version.body == CHECKOUT_RUNBOOK.strip()  # as typed, less the blank ends
    assert "+2. Roll back the latest deploy" in version.diff
    assert list(checkout_runbook.alerts.values_list("alert_name", flat=True)) == [
        "CheckoutErrorRate"
    ]


def test_every_edit_keeps_a_version_with_who_and_a_readable_diff(checkout_runbook, admin):
    body = CHECKOUT_RUNBOOK.replace("Roll back the latest deploy", "Roll back the deploy")
    update_runbook(runbook=checkout_runbook, by=admin, body=body)
    latest = checkout_runbook.versions.get(number=2)
    assert latest.author == admin
    assert latest.body == body.strip()
    lines = diff_lines(latest.diff)
    assert ("removed", "-2. Roll back the latest deploy") in lines
    assert ("added", "+2. Roll back the deploy") in lines
    assert ("file", "--- Checkout error rate v1") in lines
    assert checkout_runbook.versions.get(number=1).body == CHECKOUT_RUNBOOK.strip()


def test_saving_without_a_change_keeps_no_new_version(checkout_runbook, lead):
    update_runbook(runbook=checkout_runbook, by=lead, body=CHECKOUT_RUNBOOK)
    assert checkout_runbook.versions.count() == 1


def test_renaming_keeps_a_version_and_the_address(checkout_runbook, lead):
    update_runbook(runbook=checkout_runbook, by=lead, name="Checkout failing")
    checkout_runbook.refresh_from_db()
    assert checkout_runbook.name == "Checkout failing"
    assert checkout_runbook.slug == "checkout-error-rate"
    assert checkout_runbook.versions.get(number=2).diff == ""


def test_a_body_without_numbered_steps_is_refused_and_nothing_is_written(admin):
    with pytest.raises(ValidationFailed, match="no numbered steps") as error:
        create_runbook(name="Vague", body="- just\n- bullets\n", by=admin)
    assert error.value.field == "body"
    assert not Runbook.objects.exists()
    assert not RunbookVersion.objects.exists()


def test_an_empty_or_duplicate_name_is_refused(checkout_runbook, admin):
    with pytest.raises(ValidationFailed, match="name must not be empty"):
        create_runbook(name="  ", body="1. x", by=admin)
    with pytest.raises(ValidationFailed, match="already a runbook called Checkout error rate"):
        create_runbook(name="checkout ERROR rate", body="1. x", by=admin)
    assert Runbook.objects.count() == 1


def test_an_alert_name_has_one_runbook(checkout_runbook, admin):
    with pytest.raises(ValidationFailed, match="'CheckoutErrorRate' already has a runbook"):
        create_runbook(name="Other", body="1. x", alert_names=["CheckoutErrorRate"], by=admin)
    assert Runbook.objects.count() == 1
    assert RunbookAlert.objects.get().runbook == checkout_runbook


def test_a_runbook_called_new_does_not_hide_the_page_that_writes_one(admin):
    runbook = create_runbook(name="New", body="1. x", by=admin)
    assert runbook.slug == "new-2"


def test_changing_the_alert_names_replaces_them(checkout_runbook, lead):
    update_runbook(
        runbook=checkout_runbook, by=lead, alert_names=["CheckoutLatency", "CheckoutErrorRate"]
    )
    assert sorted(checkout_runbook.alerts.values_list("alert_name", flat=True)) == [
        "CheckoutErrorRate",
        "CheckoutLatency",
    ]
    assert checkout_runbook.versions.count() == 1  # the text did not change


def test_a_second_numbered_list_goes_on_counting():
    body = "Before:\n\n1. Page the lead\n2. Open a bridge\n\nThen:\n\n1. Roll back\n"
    assert [(s.number, s.text) for s in steps_of(body)] == [
        (1, "Page the lead"),
        (2, "Open a bridge"),
        (3, "Roll back"),
    ]
