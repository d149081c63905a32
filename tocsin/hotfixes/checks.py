"""The checks every hot fix write shares: each returns the clean value or raises
ValidationFailed naming the field."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from tocsin.accounts.models import InstanceRole, User
from tocsin.errors import ValidationFailed

MAX_URL = 500
MAX_BRANCH = 200
MAX_NOTE = 10_000
_http = URLValidator(schemes=["http", "https"])
# What git refuses in a branch name (git check-ref-format): white space and control
# characters, ~ ^ : ? * [ \, "..", "@{", "//".
_NOT_IN_A_BRANCH = re.compile(r"[\s\x00-\x1f\x7f~^:?*\[\\]|\.\.|@\{|//")


def _text(value, *, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text", field=field)
    value = value.replace("\r\n", "\n").strip()
    if "\x00" in value:
        raise ValidationFailed(f"{field} contains a NUL character", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{field} is longer than {limit} characters", field=field)
    return value


def http_url(value, *, field: str, required: bool) -> str:
    value = _text(value, field=field, limit=MAX_URL)
    if not value:
        if required:
            raise ValidationFailed(
                f"{field} must not be empty: give the change's address, e.g. the pull request",
                field=field,
            )
        return value
    try:
        _http(value)
    except ValidationError:
        raise ValidationFailed(
            f"{field} {value!r} is not an http:// or https:// address", field=field
        ) from None
    return value


def change_url(value) -> str:
    return http_url(value, field="change_url", required=True)


def link(value) -> str:
    return http_url(value, field="link", required=False)


def branch(value, *, field: str = "branch") -> str:
    """A branch name as git allows it: "main", "release/2.3"."""
    value = _text(value, field=field, limit=MAX_BRANCH)
    if not value:
        raise ValidationFailed(f"{field} must not be empty: name the branch", field=field)
    if (
        _NOT_IN_A_BRANCH.search(value)
        or value.startswith(("-", "/"))
        or value.endswith(("/", ".", ".lock"))
        or any(part.startswith(".") for part in value.split("/"))
    ):
        raise ValidationFailed(f"{value!r} is not a branch name git allows", field=field)
    return value


def targets(values, *, hot_fix_branch: str) -> list[str]:
    """The merge-back targets, in the order given: each a branch name, none twice, and not the
    branch the hot fix went to."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise ValidationFailed("targets must be a list of branch names", field="targets")
    clean = []
    for value in values:
        name = branch(value, field="targets")
        if name in clean:
            raise ValidationFailed(f"{name} is named twice as a merge-back target", field="targets")
        clean.append(target_other_than(name, hot_fix_branch, field="targets"))
    return clean


def target_other_than(name: str, hot_fix_branch: str, *, field: str) -> str:
    if name == hot_fix_branch:
        raise ValidationFailed(
            f"the hot fix went to {name}: it is not merged back into {name}", field=field
        )
    return name


def note(value) -> str:
    return _text(value, field="note", limit=MAX_NOTE)


def owner(value) -> User:
    if not isinstance(value, User) or not value.is_active:
        raise ValidationFailed("the owner must be an active person", field="owner")
    if value.role == InstanceRole.VIEWER and not value.is_superuser:
        raise ValidationFailed(
            f"{value} only reads: the owner must be someone who can do the merge-backs",
            field="owner",
        )
    return value
