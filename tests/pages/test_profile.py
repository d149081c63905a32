"""A person's own profile: name, time zone, contact methods and API tokens."""

from django.urls import reverse

from tests.support.web import body
from tocsin.accounts.models import ApiToken, ContactKind
from tocsin.accounts.services import user_for_token


def test_name_and_time_zone_are_saved(signed_in, member):
    client = signed_in(member)
    response = client.post(
        reverse("profile"),
        {"display_name": "Bob O.", "time_zone": "America/New_York"},
        follow=True,
    )
    member.refresh_from_db()
    assert (member.display_name, member.time_zone) == ("Bob O.", "America/New_York")
    assert "Your profile is saved." in body(response)


def test_a_blank_name_or_unknown_time_zone_is_refused(signed_in, member):
    response = signed_in(member).post(
        reverse("profile"), {"display_name": "", "time_zone": "Mars/Olympus_Mons"}
    )
    errors = response.context["profile_form"].errors
    assert set(errors) == {"display_name", "time_zone"}
    member.refresh_from_db()
    assert (member.display_name, member.time_zone) == ("Bob Okafor", "UTC")


def test_contact_methods_are_listed_added_and_removed(signed_in, member):
    client = signed_in(member)
    assert "bob@example.com" in body(client.get(reverse("profile")))  # made with the account

    response = client.post(
        reverse("contact-method-add"),
        {"kind": ContactKind.TELEGRAM, "address": "123456789", "label": "phone"},
        follow=True,
    )
    method = member.contact_methods.get(kind=ContactKind.TELEGRAM)
    assert method.address == "123456789"
    assert "Added Telegram: 123456789." in body(response)

    client.post(reverse("contact-method-remove", args=[method.pk]))
    assert not member.contact_methods.filter(kind=ContactKind.TELEGRAM).exists()


def test_a_duplicate_or_invalid_contact_method_shows_the_reason(signed_in, member):
    client = signed_in(member)
    duplicate = client.post(
        reverse("contact-method-add"), {"kind": "email", "address": "bob@example.com"}
    )
    assert "bob@example.com is already one of your contact methods" in body(duplicate)
    invalid = client.post(reverse("contact-method-add"), {"kind": "email", "address": "bob"})
    assert "is not a valid e-mail address" in body(invalid)
    assert member.contact_methods.count() == 1


def test_nobody_removes_someone_elses_contact_method(signed_in, member, outsider):
    method = member.contact_methods.get()
    response = signed_in(outsider).post(
        reverse("contact-method-remove", args=[method.pk]), follow=True
    )
    assert "no such contact method" in body(response)
    assert member.contact_methods.filter(pk=method.pk).exists()


def test_a_new_token_is_shown_once_and_then_only_by_its_prefix(signed_in, member):
    client = signed_in(member)

    created = client.post(reverse("api-token-create"), {"name": "laptop CLI"})

    html = body(created)
    secret = created.context["new_secret"]
    token = ApiToken.objects.get(user=member, name="laptop CLI")
    assert secret.startswith(token.prefix)
    assert f'value="{secret}"' in html
    assert "shown only this once" in html
    assert "no-store" in created["Cache-Control"]

    later = body(client.get(reverse("profile")))
    assert secret not in later
    assert f"<code>{token.prefix}…</code>" in later
    assert "laptop CLI" in later
    assert "Never" in later  # not used yet
    assert user_for_token(secret) == member  # and it works


def test_a_token_needs_a_name(signed_in, member):
    response = signed_in(member).post(reverse("api-token-create"), {"name": ""})
    assert "name" in response.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working_and_is_marked(signed_in, member, token_for):
    secret = token_for(member)
    token = ApiToken.objects.get(user=member)
    client = signed_in(member)

    response = client.post(reverse("api-token-revoke", args=[token.pk]), follow=True)

    assert user_for_token(secret) is None
    html = body(response)
    assert "is revoked and no longer works" in html
    assert '<span class="pill pill-cancelled">Revoked</span>' in html
    assert reverse("api-token-revoke", args=[token.pk]) not in html


def test_nobody_revokes_someone_elses_token(signed_in, member, outsider, token_for):
    secret = token_for(member)
    token = ApiToken.objects.get(user=member)
    response = signed_in(outsider).post(reverse("api-token-revoke", args=[token.pk]), follow=True)
    assert "no such API token" in body(response)
    assert user_for_token(secret) == member
