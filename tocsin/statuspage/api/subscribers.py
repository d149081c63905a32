"""Subscribers: how many (anyone signed in), who, add a webhook, remove, export CSV (admins)."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from tocsin.errors import NotFound
from tocsin.schemas import ERRORS, Input

from ..models import Subscriber
from .maintenance import PageFilter
from .shared import components_in, page_named

router = Router()


def _services():
    # The subscribers' room is its own: these endpoints only call into it.
    from ..subscribers import services

    return services


class SubscriberOut(Schema):
    id: str = Field(description="The subscriber's code.")
    kind: str = Field(description="email or webhook.")
    address: str = Field(description="The e-mail address or the webhook's URL.")
    components: list[str] = Field(description="Component codes; none: every component.")
    created_at: datetime
    confirmed_at: datetime | None = Field(
        description="null until the address is confirmed; nothing is sent before."
    )

    @staticmethod
    def resolve_id(subscriber) -> str:
        return subscriber.code

    @staticmethod
    def resolve_address(subscriber) -> str:
        return subscriber.email or subscriber.url

    @staticmethod
    def resolve_components(subscriber) -> list[str]:
        return [c.code for c in subscriber.components.all()]


class CountOut(Schema):
    confirmed: int
    unconfirmed: int = Field(description="Waiting to confirm: they get nothing until they do.")


class WebhookIn(Input):
    page: str | None = Field(None, description="A page's slug; default: the default page.")
    url: str = Field(description="https:// or http:// on a public address.")
    components: list[str] = Field([], description="Component codes; none: every component.")


class WebhookOut(SubscriberOut):
    secret: str = Field(
        description="Signs every delivery (X-Tocsin-Signature); shown this once, never again."
    )
    unsubscribe: str = Field(description="The signed link that removes this subscriber.")


@router.get("/status/subscribers", response={200: list[SubscriberOut], **ERRORS})
def list_subscribers(request, filters: Query[PageFilter]):
    """Admins: addresses are personal. Newest first."""
    page = page_named(filters.page)
    return _services().subscribers_of(page=page, by=request.user)


@router.get("/status/subscribers/count", response={200: CountOut, **ERRORS})
def count_subscribers(request, filters: Query[PageFilter]):
    """Anyone signed in."""
    return _services().count(page=page_named(filters.page))


@router.get(
    "/status/subscribers/export.csv",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "CSV", "content": {"text/csv": {}}}},
    },
)
def export_subscribers(request, filters: Query[PageFilter]):
    """Admins: every subscriber as CSV (id, kind, address, components, subscribed_at,
    confirmed_at); never a webhook's secret."""
    page = page_named(filters.page)
    text = _services().export_csv(page=page, by=request.user)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subscribers-{page.slug}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@router.post("/status/subscribers/webhooks", response={201: WebhookOut, **ERRORS})
def subscribe_webhook(request, payload: WebhookIn):
    """Admins: the URL gets every update in Statuspage's webhook body, signed with the secret
    answered here once."""
    page = page_named(payload.page)
    components = components_in(page, payload.components)
    services = _services()
    subscriber, secret = services.subscribe_webhook(
        page=page, url=payload.url, components=components, by=request.user
    )
    subscriber.secret = secret
    subscriber.unsubscribe = services.links.unsubscribe_url(subscriber)
    return Status(201, subscriber)


@router.delete("/status/subscribers/{code}", response={204: None, **ERRORS})
def remove_subscriber(request, code: str):
    """Admins: as if it had unsubscribed; what was still waiting to be sent to it goes too."""
    subscriber = Subscriber.objects.filter(code=code).first()
    if subscriber is None:
        raise NotFound(f"no subscriber {code!r}")
    _services().remove_subscriber(subscriber=subscriber, by=request.user)
    return Status(204, None)
