"""Linking a chat account to a person: a one-time code from the profile, sent to the bot.

The profile shows a short code (valid 15 minutes, once; only its hash is stored). Whoever sends
it to the bot from their own chat account proves both sides: that they are signed in to Tocsin
as that person, and that they hold that chat account. The link is a verified contact method
(kind "telegram", address = the Telegram user id), which is also where chat pages go.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import ContactMethod, User
from tocsin.errors import Conflict, NotFound, ValidationFailed
from tocsin.notify.team_chats.models import ChatKind
from tocsin.tokens import hash_token

from .models import ChatLinkCode

CODE_TTL = timedelta(minutes=15)
# No 0/O or 1/I: the code is read off one screen and typed on another.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
POSTED_IN_PUBLIC = "posted in a group"


def normalize(code: str) -> str:
    """Codes are typed by hand: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_link_code(*, user: User, kind: str = ChatKind.TELEGRAM) -> tuple[ChatLinkCode, str]:
    """A fresh code for `user`; it replaces any earlier unused one. The code is shown once."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        ChatLinkCode.objects.filter(user=user, kind=kind, used_at__isnull=True).delete()
        row = ChatLinkCode.objects.create(
            user=user,
            kind=kind,
            code_hash=hash_token(code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    return row, code


def _profile_hint(kind: str) -> str:
    return f"Get a new one on your profile in Tocsin (Link {ChatKind(kind).label})."


def link_chat_account(*, code: str, kind: str, account_id: str, label: str = "") -> ContactMethod:
    """Link the chat account `account_id` to the person the code was given to.

    Refusals are DomainErrors whose message can be shown to the person in the chat as it is.
    Sending the same code again from the same account answers with the same link.
    """
    account_id = str(account_id)
    name = ChatKind(kind).label
    now = timezone.now()
    with transaction.atomic():
        row = (
            ChatLinkCode.objects.select_for_update()
            .filter(code_hash=hash_token(normalize(code)), kind=kind)
            .select_related("user")
            .first()
        )
        if row is None or not row.user.is_active:
            raise NotFound(f"That code is not one Tocsin gave out. {_profile_hint(kind)}")
        if row.used_at is not None:
            if row.used_by == account_id:
                method = ContactMethod.objects.filter(
                    user=row.user, kind=kind, address=account_id
                ).first()
                if method is not None:
                    return method
            raise Conflict(f"That code has already been used. {_profile_hint(kind)}")
        if row.expires_at <= now:
            minutes = int(CODE_TTL.total_seconds() // 60)
            raise ValidationFailed(
                f"That code has expired: codes are valid for {minutes} minutes. "
                f"{_profile_hint(kind)}"
            )
        taken = (
            ContactMethod.objects.filter(kind=kind, address=account_id, verified=True)
            .exclude(user=row.user)
            .select_related("user")
            .first()
        )
        if taken is not None:
            raise Conflict(
                f"This {name} account is already linked to {taken.user}. Remove it from their "
                "profile in Tocsin first, then send the code again."
            )
        row.used_at, row.used_by = now, account_id
        row.save(update_fields=["used_at", "used_by"])
        method, _ = ContactMethod.objects.update_or_create(
            user=row.user,
            kind=kind,
            address=account_id,
            defaults={"label": label[:100], "verified": True},
        )
    return method


def void_link_code(*, code: str, kind: str) -> bool:
    """Spend a code that was shown where others could read it (a group); True if it was live."""
    return bool(
        ChatLinkCode.objects.filter(
            code_hash=hash_token(normalize(code)), kind=kind, used_at__isnull=True
        ).update(used_at=timezone.now(), used_by=POSTED_IN_PUBLIC)
    )
