"""Every write to accounts: users, teams, memberships, contact methods, API tokens."""

import re
import secrets

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from tocsin.errors import Conflict, NotFound, ValidationFailed
from tocsin.tokens import hash_token

from .models import (
    ApiToken,
    ContactKind,
    ContactMethod,
    InstanceRole,
    Membership,
    MembershipRole,
    Team,
    User,
    validate_time_zone,
)
from .permissions import (
    ensure_admin,
    ensure_manages_team,
    ensure_may_change_notification_settings,
)

TOKEN_PREFIX = "tocsin_"


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(f"{email!r} is not a valid e-mail address", field="email") from None
    return email


def _clean_time_zone(time_zone: str) -> str:
    try:
        validate_time_zone(time_zone)
    except DjangoValidationError as error:
        raise ValidationFailed(error.messages[0], field="time_zone") from None
    return time_zone


def create_user(
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    role: str = InstanceRole.RESPONDER,
    time_zone: str = "UTC",
    is_staff: bool = False,
) -> User:
    email = _clean_email(email)
    if role not in InstanceRole.values:
        raise ValidationFailed(
            f"unknown role {role!r}; use one of {InstanceRole.values}", field="role"
        )
    display_name = (display_name or "").strip() or email.split("@")[0]
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise Conflict(f"a user with e-mail {email} already exists", field="email")
        user = User(
            email=email,
            display_name=display_name,
            role=role,
            time_zone=_clean_time_zone(time_zone),
            is_staff=is_staff or role == InstanceRole.ADMIN,
            is_superuser=role == InstanceRole.ADMIN,
        )
        user.set_password(password)
        user.save()
        ContactMethod.objects.create(
            user=user, kind=ContactKind.EMAIL, address=email, label="Work e-mail", verified=True
        )
    return user


def update_profile(*, user: User, display_name: str, time_zone: str) -> User:
    display_name = (display_name or "").strip()
    if not display_name:
        raise ValidationFailed("display name must not be empty", field="display_name")
    user.display_name = display_name
    user.time_zone = _clean_time_zone(time_zone)
    user.save(update_fields=["display_name", "time_zone"])
    return user


def create_team(
    *, name: str, by: User, description: str = "", email: str = "", slug: str = ""
) -> Team:
    ensure_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("team name must not be empty", field="name")
    slug = slugify(slug or name)
    if email:
        email = _clean_email(email)
    try:
        with transaction.atomic():
            return Team.objects.create(name=name, slug=slug, description=description, email=email)
    except IntegrityError:
        raise Conflict(f"a team named {name!r} already exists", field="name") from None


def add_member(
    *, team: Team, user: User, by: User, role: str = MembershipRole.MEMBER
) -> Membership:
    ensure_manages_team(team, by, action="add members")
    if role not in MembershipRole.values:
        raise ValidationFailed(f"unknown membership role {role!r}", field="role")
    if user.role == InstanceRole.AGENT:
        raise ValidationFailed(
            f"{user} is a support agent: support agents do not join teams (they follow every "
            "ticket, and take no part in incidents)",
            field="user",
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            team=team, user=user, defaults={"role": role}
        )
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership


def remove_member(*, team: Team, user: User, by: User) -> None:
    ensure_manages_team(team, by, action="remove members")
    Membership.objects.filter(team=team, user=user).delete()


def add_contact_method(
    *, user: User, kind: str, address: str, label: str = "", by: User | None = None
) -> ContactMethod:
    """Add one of `user`'s ways to be reached; `by` is who asks (the person, or an admin)."""
    ensure_may_change_notification_settings(user, by or user, what="contact methods")
    if kind not in ContactKind.values:
        raise ValidationFailed(f"unknown contact method {kind!r}", field="kind")
    address = (address or "").strip()
    if kind == ContactKind.EMAIL:
        address = _clean_email(address)
    elif kind == ContactKind.SLACK:
        address = _clean_slack_member_id(address)
    elif not address:
        raise ValidationFailed("address must not be empty", field="address")
    try:
        with transaction.atomic():
            return ContactMethod.objects.create(user=user, kind=kind, address=address, label=label)
    except IntegrityError:
        raise Conflict(
            f"{address} is already one of your contact methods", field="address"
        ) from None


def _clean_slack_member_id(address: str) -> str:
    """Slack member IDs are upper case, U… (or W… on Enterprise Grid), e.g. U012AB3CD4E."""
    member_id = address.upper()
    if not re.fullmatch(r"[UW][A-Z0-9]{2,20}", member_id):
        raise ValidationFailed(
            f"{address!r} is not a Slack member ID; it looks like U012AB3CD4E (in Slack: your "
            "profile, ⋮ More, Copy member ID)",
            field="address",
        )
    return member_id


def remove_contact_method(*, contact_method_id: int, user: User, by: User | None = None) -> None:
    ensure_may_change_notification_settings(user, by or user, what="contact methods")
    deleted, _ = ContactMethod.objects.filter(pk=contact_method_id, user=user).delete()
    if not deleted:
        raise NotFound("no such contact method")


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and its secret; the secret is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("give the token a name, e.g. 'laptop CLI'", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=secret[:12], token_hash=hash_token(secret)
    )
    return token, secret


def revoke_api_token(*, token_id: int, user: User) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("no such API token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_for_token(secret: str) -> User | None:
    """The active user behind a bearer token, recording when the token was last used."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Write at most once a minute so a busy client does not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
