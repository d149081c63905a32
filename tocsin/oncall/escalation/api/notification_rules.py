"""REST endpoints for personal notification rules: how a paged person is reached, in order.

Everyone manages their own rules under /me; admins may manage anybody's under /users/{ref}.
"""

from datetime import timedelta

from ninja import Field, Router, Schema
from pydantic import StrictInt

from tocsin.accounts.api import active_user
from tocsin.accounts.models import ContactMethod, User
from tocsin.errors import NotFound
from tocsin.schemas import ERRORS, MAX_ID, Input, UserOut

from .. import services as policies
from ..targets import rules_of

# Clients were generated when this lived in tocsin/oncall/notification_rules_api.py.
OPERATION_ID_PREFIX = "tocsin_oncall_notification_rules_api"

router = Router(tags=["on-call"])


class ContactMethodOut(Schema):
    id: int
    kind: str
    address: str
    label: str
    verified: bool


class RuleOut(Schema):
    contact_method: ContactMethodOut
    delay_minutes: float = Field(description="How long after the page this method is used.")


class RulesOut(Schema):
    user: UserOut
    rules: list[RuleOut] = Field(description="The person's own rules, in order.")
    uses_default: bool = Field(
        description="No rules: the person is paged at their first e-mail address, at once."
    )
    effective: list[RuleOut] = Field(
        description="What a page does: the rules, or without them the default (empty: the "
        "person cannot be paged)."
    )
    contact_methods: list[ContactMethodOut] = Field(
        description="The person's contact methods: the ones rules may name."
    )


class RuleIn(Input):
    contact_method: StrictInt = Field(
        description="The id of one of the person's contact methods.", ge=1, le=MAX_ID
    )
    delay_minutes: float = Field(0, ge=0, le=24 * 60)


class RulesIn(Input):
    rules: list[RuleIn] = Field(description="In order; an empty list restores the default.")


def _minutes(delay: timedelta) -> float:
    return delay.total_seconds() / 60


def _answer(user: User, by: User) -> dict:
    rules = policies.notification_rules(user=user, by=by)
    return {
        "user": user,
        "rules": [
            {"contact_method": rule.contact_method, "delay_minutes": _minutes(rule.delay)}
            for rule in rules
        ],
        "uses_default": not rules,
        "effective": [
            {"contact_method": rule.contact_method, "delay_minutes": _minutes(rule.delay)}
            for rule in rules_of(user)
        ],
        "contact_methods": list(user.contact_methods.order_by("kind", "id")),
    }


def _replace(user: User, by: User, payload: RulesIn) -> dict:
    wanted = [rule.contact_method for rule in payload.rules]
    methods = ContactMethod.objects.in_bulk(wanted)
    policies.set_notification_rules(
        user=user,
        by=by,
        rules=[
            # An unknown id and someone else's method are refused alike by the service.
            (
                methods.get(rule.contact_method, ContactMethod(pk=rule.contact_method)),
                timedelta(minutes=rule.delay_minutes),
            )
            for rule in payload.rules
        ],
    )
    return _answer(user, by)


def _person(ref: str) -> User:
    """A person named in the address: unknown is 404, as for any resource."""
    user = active_user(ref)
    if user is None:
        raise NotFound(f"no user {ref.strip()!r}")
    return user


@router.get("/me/notification-rules", response={200: RulesOut, **ERRORS})
def my_rules(request):
    return _answer(request.user, request.user)


@router.put("/me/notification-rules", response={200: RulesOut, **ERRORS})
def set_my_rules(request, payload: RulesIn):
    """Replace your rules, in order. Each names one of your contact methods and a delay."""
    return _replace(request.user, request.user, payload)


@router.get("/users/{ref}/notification-rules", response={200: RulesOut, **ERRORS})
def user_rules(request, ref: str):
    """Yourself or, for admins, anybody: `ref` is an e-mail address or a user id."""
    return _answer(_person(ref), request.user)


@router.put("/users/{ref}/notification-rules", response={200: RulesOut, **ERRORS})
def set_user_rules(request, ref: str, payload: RulesIn):
    """Admins (or the person themselves): replace the person's rules."""
    return _replace(_person(ref), request.user, payload)
