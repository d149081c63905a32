"""Users sign in by e-mail; API tokens are stored hashed and can be revoked."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tocsin.accounts.models import ApiToken, ContactKind, ContactMethod, InstanceRole, User
from tocsin.accounts.services import (
    add_contact_method,
    add_member,
    create_api_token,
    create_team,
    create_user,
    hash_token,
    remove_contact_method,
    revoke_api_token,
    update_profile,
    user_for_token,
)
from tocsin.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def test_a_new_user_signs_in_with_their_email_and_gets_it_as_a_contact_method(db):
    user = create_user(email="Dana@Example.com", display_name="Dana", password="s3cret-pass")
    assert user.email == "dana@example.com"
    assert user.check_password("s3cret-pass")
    assert User.objects.get_by_natural_key("DANA@example.com") == user
    assert list(user.contact_methods.values_list("kind", "address")) == [
        (ContactKind.EMAIL, "dana@example.com")
    ]


def test_email_addresses_are_unique_regardless_of_case(member):
    with pytest.raises(Conflict, match="already exists"):
        create_user(email="BOB@example.com", display_name="Bob again")
    assert User.objects.filter(email__iexact="bob@example.com").count() == 1


def test_bad_email_and_time_zone_are_refused(db):
    with pytest.raises(ValidationFailed, match="not a valid e-mail address"):
        create_user(email="not-an-address", display_name="X")
    with pytest.raises(ValidationFailed, match="not a known time zone") as error:
        create_user(email="x@example.com", display_name="X", time_zone="Mars/Olympus")
    assert error.value.field == "time_zone"
    assert not User.objects.exists()


def test_profile_time_zone_must_be_real(member):
    update_profile(user=member, display_name="Bob O.", time_zone="Europe/Berlin")
    with pytest.raises(ValidationFailed):
        update_profile(user=member, display_name="Bob O.", time_zone="Europe/Nowhere")
    member.refresh_from_db()
    assert (member.display_name, member.time_zone) == ("Bob O.", "Europe/Berlin")


def test_api_tokens_are_stored_only_as_a_hash(member):
    token, secret = create_api_token(user=member, name="laptop")
    assert secret.startswith("tocsin_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hash_token(secret)
    assert secret not in (stored.token_hash, stored.prefix)
    assert secret.startswith(stored.prefix)


def test_a_token_resolves_to_its_user_and_records_last_use(member):
    token, secret = create_api_token(user=member, name="laptop")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assert user_for_token(secret) == member
    token.refresh_from_db()
    assert token.last_used_at == now


def test_revoked_unknown_and_inactive_tokens_do_not_authenticate(member):
    token, secret = create_api_token(user=member, name="laptop")
    assert user_for_token(secret + "x") is None
    assert user_for_token("") is None
    revoke_api_token(token_id=token.pk, user=member)
    assert user_for_token(secret) is None
    _, other = create_api_token(user=member, name="ci")
    member.is_active = False
    member.save()
    assert user_for_token(other) is None


def test_nobody_revokes_another_persons_token(member, other_member):
    token, secret = create_api_token(user=member, name="laptop")
    with pytest.raises(NotFound):
        revoke_api_token(token_id=token.pk, user=other_member)
    assert user_for_token(secret) == member


def test_last_use_is_written_at_most_once_a_minute(member):
    token, secret = create_api_token(user=member, name="laptop")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        user_for_token(secret)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        user_for_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == start


def test_a_token_needs_a_name(member):
    with pytest.raises(ValidationFailed, match="name"):
        create_api_token(user=member, name=" ")
    assert not ApiToken.objects.exists()


def test_contact_methods_are_validated_and_personal(member, other_member):
    method = add_contact_method(user=member, kind="email", address="bob.pager@example.com")
    with pytest.raises(ValidationFailed, match="not a valid e-mail"):
        add_contact_method(user=member, kind="email", address="nope")
    with pytest.raises(ValidationFailed, match="unknown contact method"):
        add_contact_method(user=member, kind="pigeon", address="loft 3")
    with pytest.raises(Conflict):
        add_contact_method(user=member, kind="email", address="bob.pager@example.com")
    with pytest.raises(NotFound):
        remove_contact_method(contact_method_id=method.pk, user=other_member)
    remove_contact_method(contact_method_id=method.pk, user=member)
    assert not ContactMethod.objects.filter(pk=method.pk).exists()


def test_only_admins_create_teams(admin, member):
    with pytest.raises(PermissionDenied, match="only an admin"):
        create_team(name="Search", by=member)
    team = create_team(name="Search", by=admin, email="search@example.com")
    assert team.slug == "search"
    with pytest.raises(Conflict):
        create_team(name="Search", by=admin)


def test_leads_manage_their_team_but_members_do_not(payments, lead, member, outsider):
    with pytest.raises(PermissionDenied, match="lead of Payments"):
        add_member(team=payments, user=outsider, by=member)
    add_member(team=payments, user=outsider, by=lead)
    assert payments.members.filter(pk=outsider.pk).exists()


def test_instance_roles(admin, member, viewer):
    assert admin.is_admin and admin.role == InstanceRole.ADMIN
    assert not member.is_admin
    assert viewer.role == InstanceRole.VIEWER
