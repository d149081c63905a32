"""The people of the specification: how the fixtures make them, and the password they share."""

from tocsin.accounts.models import (
    ContactKind,
    ContactMethod,
    InstanceRole,
    Membership,
    MembershipRole,
)
from tocsin.accounts.services import create_user

PASSWORD = "correct-horse-battery"


def person(
    email, name, *, team=None, membership=MembershipRole.MEMBER, role=InstanceRole.RESPONDER
):
    """A user with PASSWORD, a member of `team` (if given) in the `membership` role."""
    user = create_user(email=email, display_name=name, password=PASSWORD, role=role)
    if team is not None:
        Membership.objects.create(team=team, user=user, role=membership)
    return user


def email_method(user, address=None) -> ContactMethod:
    """The person's e-mail contact method for `address` (by default their sign-in address)."""
    # Accounts give every person their sign-in address as a first e-mail contact method.
    method, _ = ContactMethod.objects.get_or_create(
        user=user, kind=ContactKind.EMAIL, address=address or user.email
    )
    return method
