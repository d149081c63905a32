"""Personal notification rules: how a paged person is reached, method by method, in order.

Everyone sets their own; admins may set anybody's. Bob (`member`) has his work e-mail from
sign-up; the fixtures below give him a second address and a Telegram chat.
"""

from datetime import timedelta

import pytest

from tests.support.api import assert_error
from tests.support.web import form_errors, formset, page_text
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.errors import PermissionDenied, ValidationFailed
from tocsin.oncall.escalation.models import NotificationRule
from tocsin.oncall.escalation.services import set_notification_rules


@pytest.fixture
def work(member):
    return member.contact_methods.get(address="bob@example.com")


@pytest.fixture
def phone(member):
    return ContactMethod.objects.create(
        user=member, kind=ContactKind.EMAIL, address="bob.phone@example.com", verified=True
    )


@pytest.fixture
def telegram(member):
    return ContactMethod.objects.create(user=member, kind=ContactKind.TELEGRAM, address="4242")


@pytest.fixture
def erins_email(other_member):
    return other_member.contact_methods.get(address="erin@example.com")


def rules_of(user) -> list[tuple[int, str, timedelta]]:
    return list(
        NotificationRule.objects.filter(user=user)
        .order_by("position")
        .values_list("position", "contact_method__address", "delay")
    )


def rule_rows(*rows, blank: int = 1) -> dict:
    """The POST of the rules page: (contact method id, minutes) per row, then blank rows."""
    rows = [*rows, *([("", "")] * blank)]
    return formset(
        "rules", [{"contact_method": method, "delay_minutes": delay} for method, delay in rows]
    )


# --- API -------------------------------------------------------------------------------------


def test_without_rules_a_page_goes_to_the_first_email_at_once(api_as, member, work, phone):
    answer = api_as(member).get("/me/notification-rules").json()

    assert answer["rules"] == []
    assert answer["uses_default"] is True
    assert answer["effective"] == [
        {
            "contact_method": {
                "id": work.pk,
                "kind": "email",
                "address": "bob@example.com",
                "label": "Work e-mail",
                "verified": True,
            },
            "delay_minutes": 0.0,
        }
    ]
    # The methods to choose from, with the ids a PUT names.
    assert [(m["id"], m["address"]) for m in answer["contact_methods"]] == [
        (work.pk, "bob@example.com"),
        (phone.pk, "bob.phone@example.com"),
    ]


def test_a_person_sets_their_rules_and_the_order_is_kept(api_as, member, work, phone, telegram):
    # Deliberately not sorted by delay or by id: the order given is the order kept.
    response = api_as(member).put(
        "/me/notification-rules",
        {
            "rules": [
                {"contact_method": phone.pk, "delay_minutes": 0},
                {"contact_method": telegram.pk, "delay_minutes": 5},
                {"contact_method": work.pk, "delay_minutes": 2},
            ]
        },
    )

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert [(r["contact_method"]["address"], r["delay_minutes"]) for r in answer["rules"]] == [
        ("bob.phone@example.com", 0.0),
        ("4242", 5.0),
        ("bob@example.com", 2.0),
    ]
    assert answer["uses_default"] is False
    assert rules_of(member) == [
        (1, "bob.phone@example.com", timedelta(0)),
        (2, "4242", timedelta(minutes=5)),
        (3, "bob@example.com", timedelta(minutes=2)),
    ]
    assert api_as(member).get("/me/notification-rules").json() == answer


def test_an_empty_list_goes_back_to_the_default(api_as, member, work, phone):
    set_notification_rules(user=member, by=member, rules=[(phone, timedelta(0))])

    answer = api_as(member).put("/me/notification-rules", {"rules": []}).json()

    assert answer["uses_default"] is True
    assert [r["contact_method"]["address"] for r in answer["effective"]] == ["bob@example.com"]
    assert rules_of(member) == []


def test_someone_elses_contact_method_is_refused_without_saying_whose(
    api_as, member, work, erins_email
):
    set_notification_rules(user=member, by=member, rules=[(work, timedelta(0))])

    response = api_as(member).put(
        "/me/notification-rules",
        {
            "rules": [
                {"contact_method": work.pk, "delay_minutes": 0},
                {"contact_method": erins_email.pk, "delay_minutes": 2},
            ]
        },
    )

    error = assert_error(
        response,
        422,
        "validation_failed",
        field="rules.1.contact_method",
        message_contains=f"rule 2: contact method {erins_email.pk} is not one of Bob Okafor's",
    )
    assert "erin" not in error["message"]
    assert rules_of(member) == [(1, "bob@example.com", timedelta(0))]


def test_an_unknown_contact_method_reads_the_same(api_as, member, work):
    response = api_as(member).put(
        "/me/notification-rules", {"rules": [{"contact_method": 9999, "delay_minutes": 0}]}
    )

    assert_error(
        response,
        422,
        "validation_failed",
        field="rules.0.contact_method",
        message_contains="contact method 9999 is not one of Bob Okafor's contact methods",
    )
    assert rules_of(member) == []


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"contact_method": "CM", "delay_minutes": -1}, "rules.0.delay_minutes"),
        ({"contact_method": "CM", "delay_minutes": 24 * 60 + 1}, "rules.0.delay_minutes"),
        ({"contact_method": "CM", "after": 2}, "rules.0.after"),
        ({"delay_minutes": 2}, "rules.0.contact_method"),
        ({"contact_method": -487432890706538527305131991498752}, "rules.0.contact_method"),
        ({"contact_method": 2**63}, "rules.0.contact_method"),
        ({"contact_method": 0}, "rules.0.contact_method"),
    ],
    ids=[
        "negative delay",
        "more than a day",
        "unknown field",
        "no contact method",
        "a huge negative id",
        "past 64 bits",
        "zero",
    ],
)
def test_bad_rules_are_a_422_naming_the_field(api_as, member, work, phone, rule, field):
    set_notification_rules(user=member, by=member, rules=[(phone, timedelta(minutes=1))])
    if rule.get("contact_method") == "CM":
        rule["contact_method"] = work.pk

    response = api_as(member).put("/me/notification-rules", {"rules": [rule]})

    assert_error(response, 422, "validation_failed", field=field)
    assert rules_of(member) == [(1, "bob.phone@example.com", timedelta(minutes=1))]


def test_only_the_person_and_admins_see_or_change_someones_rules(
    api_as, member, other_member, admin, work, phone
):
    path = f"/users/{member.email}/notification-rules"
    refused = api_as(other_member).get(path)
    assert_error(
        refused,
        403,
        "permission_denied",
        message_contains="only Bob Okafor and admins may see or change Bob Okafor's",
    )
    assert_error(
        api_as(other_member).put(path, {"rules": [{"contact_method": work.pk}]}),
        403,
        "permission_denied",
    )
    assert rules_of(member) == []

    by_admin = api_as(admin).put(
        f"/users/{member.pk}/notification-rules",
        {"rules": [{"contact_method": work.pk}, {"contact_method": phone.pk, "delay_minutes": 3}]},
    )

    assert by_admin.status_code == 200, by_admin.json()
    assert rules_of(member) == [
        (1, "bob@example.com", timedelta(0)),
        (2, "bob.phone@example.com", timedelta(minutes=3)),
    ]
    assert api_as(member).get(path).json()["rules"] == by_admin.json()["rules"]


def test_an_unknown_person_is_a_404(api_as, admin):
    assert_error(
        api_as(admin).get("/users/nobody@example.com/notification-rules"),
        404,
        "not_found",
        message_contains="no user 'nobody@example.com'",
    )


# --- The service -----------------------------------------------------------------------------


def test_the_service_refuses_a_colleague_and_a_delay_over_a_day(member, other_member, work):
    with pytest.raises(PermissionDenied, match="only Bob Okafor and admins"):
        set_notification_rules(user=member, by=other_member, rules=[(work, timedelta(0))])
    with pytest.raises(ValidationFailed, match="rule 1: the delay is between 0 minutes and 24"):
        set_notification_rules(user=member, by=member, rules=[(work, timedelta(hours=25))])
    assert rules_of(member) == []


# --- The page --------------------------------------------------------------------------------


def test_the_profile_links_to_the_rules_page_which_explains_the_default(client, member, work):
    client.force_login(member)
    profile = client.get("/profile/").content.decode()
    assert 'href="/oncall/notification-rules/"' in profile

    page = page_text(client.get("/oncall/notification-rules/"))

    assert "When you are paged now" in page
    assert "E-mail bob@example.com at once" in page
    assert "You have no rules, so Tocsin uses the default: your first e-mail address, at once" in (
        page
    )


def test_a_person_orders_their_methods_on_the_page(client, member, work, phone):
    client.force_login(member)

    response = client.post(
        "/oncall/notification-rules/", rule_rows((phone.pk, ""), ("", ""), (work.pk, "2"))
    )

    assert response.status_code == 302
    assert rules_of(member) == [
        (1, "bob.phone@example.com", timedelta(0)),
        (2, "bob@example.com", timedelta(minutes=2)),
    ]
    page = page_text(client.get("/oncall/notification-rules/"))
    assert "E-mail bob.phone@example.com at once" in page
    assert "E-mail bob@example.com after 2 min" in page
    assert "You have no rules" not in page


def test_the_page_offers_only_your_own_methods_and_refuses_others(
    client, member, work, erins_email
):
    client.force_login(member)
    set_notification_rules(user=member, by=member, rules=[(work, timedelta(minutes=1))])
    page = client.get("/oncall/notification-rules/").content.decode()
    assert "bob@example.com" in page and "erin@example.com" not in page

    response = client.post("/oncall/notification-rules/", rule_rows((erins_email.pk, "0")))

    assert response.status_code == 422
    assert any("Select a valid choice" in error for error in form_errors(response))
    assert rules_of(member) == [(1, "bob@example.com", timedelta(minutes=1))]


def test_emptying_every_row_goes_back_to_the_default(client, member, work, phone):
    client.force_login(member)
    set_notification_rules(user=member, by=member, rules=[(phone, timedelta(0))])

    response = client.post("/oncall/notification-rules/", rule_rows(blank=3), follow=True)

    assert rules_of(member) == []
    assert "a page goes to your first e-mail address, at once" in page_text(response)


def test_a_negative_delay_on_the_page_is_a_form_error(client, member, work):
    client.force_login(member)

    response = client.post("/oncall/notification-rules/", rule_rows((work.pk, "-2")))

    assert response.status_code == 422
    assert any("greater than or equal to 0" in error for error in form_errors(response))
    assert rules_of(member) == []


@pytest.mark.parametrize("ref", ["²", "٣", "99999999999999999999999"])
def test_a_person_is_named_by_ascii_digits_or_an_address(api_as, admin, member, ref):
    assert_error(api_as(admin).get(f"/users/{ref}/notification-rules"), 404, "not_found")


def test_nan_is_not_a_delay(api_as, member, work):
    response = api_as(member).put(
        "/me/notification-rules",
        raw=f'{{"rules": [{{"contact_method": {work.pk}, "delay_minutes": NaN}}]}}',
    )
    assert_error(response, 400, "malformed_json")
    assert rules_of(member) == []
