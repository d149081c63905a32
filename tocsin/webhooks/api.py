"""REST endpoints for outgoing webhooks and their delivery logs.

Handlers parse, look up, call one service and serialize; who may do what lives in `services.py`.
Only the people who manage a webhook see it at all: its URL and secret are credentials.
"""

from datetime import datetime

from ninja import Field, Router, Schema, Status
from pydantic import StrictBool

from tocsin.accounts.api import team_by_slug
from tocsin.accounts.permissions import ensure_manages_webhooks
from tocsin.errors import NotFound, ValidationFailed
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.schemas import ERRORS, Input, Patch, TeamRef

from . import selectors, services
from .models import EventType, Webhook

router = Router(tags=["webhooks"])

MAX_DELIVERIES = 200


class WebhookOut(Schema):
    id: int
    team: TeamRef | None = Field(description="null: instance-wide, every team's incidents.")
    name: str
    url: str
    secret: str = Field(description="Signs every delivery: see X-Tocsin-Signature.")
    events: list[str]
    enabled: bool
    include_drills: bool = Field(description='Drills\' events are sent too, with "drill": true.')
    created_at: datetime

    @staticmethod
    def resolve_secret(webhook: Webhook) -> str:
        return webhook.secret


class WebhookIn(Input):
    team: str | None = Field(None, description="A team slug; null: instance-wide (admins).")
    name: str
    url: str = Field(description="http:// or https:// address that receives the POSTs.")
    events: list[str] | None = Field(
        None, description=f"Event types; default: all of {', '.join(EventType.values)}."
    )
    enabled: StrictBool = True
    include_drills: StrictBool = Field(
        False, description="Also send drills' events; by default drills send nothing."
    )


class WebhookPatch(Patch):
    name: str = None
    url: str = None
    events: list[str] = None
    enabled: StrictBool = None
    include_drills: StrictBool = None


class AttemptOut(Schema):
    attempt: int = Field(description="1 for the first attempt, 2 for the first retry, …")
    at: datetime
    url: str = Field(description="Where it was sent; user name, password and query values ***.")
    address: str = Field(description="The IP address connected to; empty through a proxy.")
    status: int | None = Field(description="The receiver's HTTP status; null without an answer.")
    response: str = Field(description="The first 200 characters of the answer, spaces collapsed.")
    error: str = Field(description="What went wrong, in full; empty for an answer.")

    @staticmethod
    def resolve_attempt(attempt) -> int:
        return attempt.number


class DeliveryOut(Schema):
    id: int = Field(description="Also sent as X-Tocsin-Delivery.")
    type: str
    incident: str | None = Field(description="The incident's reference, e.g. INC-42.")
    state: str
    attempts: int
    next_attempt_at: datetime | None = Field(description="When a waiting delivery is tried.")
    last_error: str = Field(
        description="Why the last attempt failed, without the URL or the answer (these are in "
        "`log`), e.g. 'HTTP 503 Service Unavailable'."
    )
    response: str = Field(description="What the receiver answered last, e.g. 'HTTP 204'.")
    created_at: datetime
    sent_at: datetime | None
    body: str = Field(description="The JSON that is (or was) POSTed.")
    log: list[AttemptOut] = Field(description="Each attempt so far, first to last.")

    @staticmethod
    def resolve_type(message: OutboxMessage) -> str:
        return message.data.get("type", "")

    @staticmethod
    def resolve_incident(message: OutboxMessage) -> str | None:
        return message.incident.reference if message.incident_id else None

    @staticmethod
    def resolve_next_attempt_at(message: OutboxMessage) -> datetime | None:
        waiting = message.state in (OutboxState.PENDING, OutboxState.SENDING)
        return message.next_attempt_at if waiting else None

    @staticmethod
    def resolve_response(message: OutboxMessage) -> str:
        return message.provider_message_id

    @staticmethod
    def resolve_body(message: OutboxMessage) -> str:
        return message.body_text

    @staticmethod
    def resolve_log(message: OutboxMessage) -> list:
        return list(message.webhook_attempts.all())


def _webhook(request, webhook_id: int) -> Webhook:
    """The webhook, if the caller manages it; the services check again before any write."""
    webhook = Webhook.objects.select_related("team").filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound(f"no webhook {webhook_id}")
    # Someone who may not manage it learns that it exists, and nothing about it.
    ensure_manages_webhooks(webhook.team, request.user)
    return webhook


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request, team: str | None = None):
    """The webhooks you manage: all for admins, your teams' for leads."""
    webhooks = selectors.managed_by(request.user)
    if team:
        webhooks = webhooks.filter(team=team_by_slug(team, field="team"))
    return webhooks


@router.post("/webhooks", response={201: WebhookOut, **ERRORS})
def create_webhook(request, payload: WebhookIn):
    """Admins for any team or instance-wide (`team` null); leads for their own team."""
    webhook = services.create_webhook(
        team=None if payload.team is None else team_by_slug(payload.team, field="team"),
        name=payload.name,
        url=payload.url,
        events=payload.events,
        enabled=payload.enabled,
        include_drills=payload.include_drills,
        by=request.user,
    )
    return Status(201, webhook)


@router.get("/webhooks/{int:webhook_id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request, webhook_id: int):
    return _webhook(request, webhook_id)


@router.patch("/webhooks/{int:webhook_id}", response={200: WebhookOut, **ERRORS})
def update_webhook(request, webhook_id: int, payload: WebhookPatch):
    changes = payload.model_dump(exclude_unset=True)
    webhook = _webhook(request, webhook_id)
    return services.update_webhook(webhook=webhook, by=request.user, **changes)


@router.delete("/webhooks/{int:webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request, webhook_id: int):
    """Deliveries still waiting are not sent: they fail as "webhook deleted"."""
    services.delete_webhook(webhook=_webhook(request, webhook_id), by=request.user)
    return Status(204, None)


@router.post("/webhooks/{int:webhook_id}/rotate-secret", response={200: WebhookOut, **ERRORS})
def rotate_secret(request, webhook_id: int):
    """A new `secret`; every delivery from now on, retries included, is signed with it."""
    return services.rotate_secret(webhook=_webhook(request, webhook_id), by=request.user)


@router.post("/webhooks/{int:webhook_id}/test", response={202: DeliveryOut, **ERRORS})
def send_test(request, webhook_id: int):
    """Queue a `ping` delivery (even to a disabled webhook); follow it in the delivery log."""
    message = services.send_test(webhook=_webhook(request, webhook_id), by=request.user)
    return Status(202, message)


@router.get("/webhooks/{int:webhook_id}/deliveries", response={200: list[DeliveryOut], **ERRORS})
def list_deliveries(request, webhook_id: int, state: str | None = None, limit: int = 50):
    """The newest deliveries first; `state`: pending, sending, sent or failed."""
    if not 1 <= limit <= MAX_DELIVERIES:
        raise ValidationFailed(f"limit must be between 1 and {MAX_DELIVERIES}", field="limit")
    messages = selectors.deliveries(_webhook(request, webhook_id))
    if state is not None:
        if state not in OutboxState.values:
            raise ValidationFailed(
                f"unknown state {state!r}; use one of {', '.join(OutboxState.values)}",
                field="state",
            )
        messages = messages.filter(state=state)
    return messages[:limit]
