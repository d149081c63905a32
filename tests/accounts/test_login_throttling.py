"""Password guessing is throttled: an account, and a client address, that keep failing to sign
in are locked for a while, with a message saying so; an admin can unlock them
(docs/configuration.md#signing-in, docs/operations.md#locked-out-of-signing-in)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.support.cli import run_cli
from tests.support.people import PASSWORD
from tests.support.web import page_text
from tocsin.notify.ack_links.services import issue_acknowledge_link

ACCOUNT_LOCKED = (
    "Too many failed sign-ins for this account; try again in 15 minutes or ask an admin to "
    "unlock it."
)
ADDRESS_LOCKED = (
    "Too many failed sign-ins from your address; try again in 15 minutes or ask an admin to "
    "unlock it."
)
HOME = "198.51.100.10"
ELSEWHERE = "203.0.113.77"


def sign_in(email, password, *, address=HOME, path="/login/", **headers):
    """One attempt from a fresh browser at `address`; the response."""
    return Client().post(
        path, {"username": email, "password": password}, REMOTE_ADDR=address, **headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302


def refused(response, message=ACCOUNT_LOCKED) -> bool:
    return response.status_code == 429 and message in page_text(response)


def fail(email, times, **where):
    for _ in range(times):
        response = sign_in(email, "wrong password", **where)
    return response


def test_five_wrong_passwords_lock_the_account_and_then_even_the_right_one_is_refused(member):
    for _ in range(4):
        response = sign_in(member.email, "wrong password")
        assert response.status_code == 200
        assert "do not match an active account" in page_text(response)

    fifth = sign_in(member.email, "wrong password")
    assert refused(fifth)

    right = sign_in(member.email, PASSWORD)
    assert refused(right)
    assert "sessionid" not in right.cookies
    # The lockout page is the sign-in page, with the message instead of the form's error.
    assert 'type="email"' in right.content.decode()
    assert f'action="{reverse("login")}"' in right.content.decode()
    assert "do not match" not in page_text(right)


def test_the_admin_sign_in_is_throttled_too_and_shares_the_count(admin):
    fail(admin.email, 3, path="/admin/login/")
    fail(admin.email, 2, path="/login/")

    assert refused(sign_in(admin.email, PASSWORD, path="/admin/login/"))
    assert refused(sign_in(admin.email, PASSWORD, path="/login/"))


def test_the_lock_lifts_after_15_minutes(member, traveller):
    fail(member.email, 5)

    traveller.shift(timedelta(minutes=14, seconds=59))
    assert refused(sign_in(member.email, PASSWORD))

    traveller.shift(timedelta(seconds=2))
    assert signed_in(sign_in(member.email, PASSWORD))


def test_failures_spaced_more_than_15_minutes_apart_never_lock(member, traveller):
    for _ in range(8):
        assert sign_in(member.email, "wrong password").status_code == 200
        traveller.shift(timedelta(minutes=16))
    assert signed_in(sign_in(member.email, PASSWORD))


def test_the_address_is_counted_whatever_its_capitals(member):
    for spelling in ["BOB@example.com", "Bob@Example.com", " bob@example.com", "bob@EXAMPLE.COM"]:
        sign_in(spelling, "wrong password")
    assert refused(sign_in("bob@example.com", "wrong password"))
    assert refused(sign_in("BOB@EXAMPLE.COM", PASSWORD))


def test_failures_from_many_addresses_lock_the_account(member):
    for n in range(5):
        sign_in(member.email, "wrong password", address=f"192.0.2.{n + 1}")
    assert refused(sign_in(member.email, PASSWORD, address=ELSEWHERE))


def test_a_locked_account_does_not_lock_anyone_else(member, other_member):
    fail(member.email, 5)
    assert signed_in(sign_in(other_member.email, PASSWORD))


def test_accounts_that_do_not_exist_are_locked_the_same_way(db):
    # The answer does not tell a guesser which addresses have an account.
    assert refused(fail("nobody@example.com", 5))


def test_an_address_failing_for_many_accounts_is_locked_for_every_account(member):
    for n in range(20):
        assert sign_in(f"guess{n}@example.com", "wrong password").status_code in (200, 429)
    assert refused(sign_in(member.email, PASSWORD), ADDRESS_LOCKED)
    assert refused(sign_in(member.email, PASSWORD, path="/admin/login/"), ADDRESS_LOCKED)
    # The account itself is not locked: from another address it signs in.
    assert signed_in(sign_in(member.email, PASSWORD, address=ELSEWHERE))


def test_nineteen_failures_from_one_address_do_not_lock_it(member):
    for n in range(19):
        sign_in(f"guess{n}@example.com", "wrong password")
    assert signed_in(sign_in(member.email, PASSWORD))


def test_a_successful_sign_in_forgives_that_accounts_failures(member):
    fail(member.email, 4)
    assert signed_in(sign_in(member.email, PASSWORD))
    fail(member.email, 4)
    assert signed_in(sign_in(member.email, PASSWORD))


def test_someone_elses_sign_in_from_the_same_address_forgives_nothing(member, other_member):
    # A guesser with an account of their own cannot wipe the count between guesses.
    fail(member.email, 4)
    assert signed_in(sign_in(other_member.email, PASSWORD))
    assert refused(sign_in(member.email, "wrong password"))


def test_x_forwarded_for_is_ignored_unless_tocsin_is_behind_a_proxy(member):
    # A client cannot pose as twenty different addresses by writing the header itself.
    for n in range(20):
        sign_in(f"guess{n}@example.com", "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    assert refused(sign_in(member.email, PASSWORD, HTTP_X_FORWARDED_FOR=ELSEWHERE), ADDRESS_LOCKED)


def test_behind_a_proxy_the_address_is_the_one_the_proxy_added(settings, member):
    settings.BEHIND_PROXY = True
    proxy = "127.0.0.1"
    for n in range(20):
        # The left part is what the client wrote; the proxy appends the address it saw.
        sign_in(
            f"guess{n}@example.com",
            "x",
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, {HOME}",
        )
    assert refused(
        sign_in(member.email, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=HOME), ADDRESS_LOCKED
    )
    # Another client of the same proxy is not locked.
    assert signed_in(sign_in(member.email, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE))


def test_behind_two_proxies_the_address_is_the_second_from_the_right(settings, member):
    settings.BEHIND_PROXY = True
    settings.PROXY_COUNT = 2
    for n in range(20):
        sign_in(
            f"guess{n}@example.com",
            "x",
            address="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, {HOME}, 10.0.0.5",
        )
    assert refused(
        sign_in(
            member.email,
            PASSWORD,
            address="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"{HOME}, 10.0.0.6",
        ),
        ADDRESS_LOCKED,
    )


def test_api_tokens_keep_working_for_a_locked_account(member, api_as):
    api = api_as(member)
    fail(member.email, 5)
    assert refused(sign_in(member.email, PASSWORD))
    assert api.get("/incidents").status_code == 200


def test_the_acknowledge_link_in_a_page_keeps_working_for_a_locked_account(member, incident):
    link = issue_acknowledge_link(incident, member)
    fail(member.email, 5)

    response = Client().post(link.url.removeprefix(settings.BASE_URL), REMOTE_ADDR=HOME)

    assert response.status_code == 200
    assert incident.refresh().acknowledged_by == member


def test_tocsin_unlock_lets_the_person_sign_in_again(member, capsys):
    fail(member.email, 5)

    code, out, err = run_cli(capsys, "unlock", "BOB@example.com")

    assert (code, err) == (0, "")
    assert out == "Unlocked bob@example.com: 5 failed sign-ins forgotten.\n"
    assert signed_in(sign_in(member.email, PASSWORD))


def test_tocsin_unlock_address_lets_that_address_sign_in_again(member, capsys):
    for n in range(20):
        sign_in(f"guess{n}@example.com", "wrong password")
    assert refused(sign_in(member.email, PASSWORD), ADDRESS_LOCKED)

    code, out, err = run_cli(capsys, "unlock", "--address", HOME)

    assert (code, err) == (0, "")
    assert out == f"Unlocked {HOME}: 20 failed sign-ins forgotten.\n"
    assert signed_in(sign_in(member.email, PASSWORD))


def test_tocsin_unlock_says_when_there_was_nothing_to_unlock(member, capsys):
    code, out, _ = run_cli(capsys, "unlock", member.email)
    assert (code, out) == (0, "No failed sign-ins recorded for bob@example.com; nothing to do.\n")


def test_tocsin_unlock_needs_an_account_or_an_address(capsys):
    with pytest.raises(SystemExit) as exit:
        run_cli(capsys, "unlock")
    assert exit.value.code == 2
