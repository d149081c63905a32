"""Telegram: incident cards posted to a group or a person, edited in place, over the Bot API.

Every request is `POST {TELEGRAM_API_URL}/bot{token}/{method}` with a JSON body; every answer
is `{"ok": true, "result": …}` or `{"ok": false, "error_code": …, "description": …,
"parameters": {"retry_after": …}}`. The card is rendered from the database at the moment it is
sent or edited (see chat_cards/card.py), as HTML with every piece of user content escaped.

The Bot API client here (`Bot`) also serves the inbound side (inbound/telegram.py): answers to
updates, long polling and the webhook's setup.
"""

import html
import ipaddress
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from tocsin.notify.chat_cards.card import IncidentCard, card, shorten
from tocsin.notify.outbox.models import OutboxMessage

from . import PermanentError, TransientError, Unreachable
from .chat import ChatSender, incident_of

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
TEXT_LIMIT = 4096  # characters in one Telegram message
VALUE_LIMIT = 1000  # characters of one line of the card (a long resolution, a long title)
NOT_MODIFIED = "message is not modified"


class ApiError(Exception):
    """Telegram answered `ok: false`."""

    def __init__(self, method: str, error_code: int, description: str, parameters: dict):
        super().__init__(f"{method}: {error_code} {description}")
        self.method, self.error_code, self.description = method, error_code, description
        self.parameters = parameters or {}

    @property
    def retry_after(self) -> float | None:
        value = self.parameters.get("retry_after")
        return float(value) if isinstance(value, int | float) else None

    @property
    def token_refused(self) -> str:
        """What to tell the operator when Telegram refused the bot token itself; else ""."""
        if self.error_code not in (401, 404):
            return ""
        return (
            f"Telegram refused the bot token ({self.error_code} {self.description}): "
            "check TOCSIN_TELEGRAM_BOT_TOKEN"
        )


class NoAnswer(Exception):
    """No usable answer from the Bot API: it could not be reached, or did not answer in time."""

    def __init__(self, reason: str, *, timed_out: bool = False):
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


class Bot:
    """A thin Bot API client: one method call is one POST; the connection is kept open."""

    def __init__(self, token: str | None = None, *, api_url: str | None = None):
        self.token = token if token is not None else settings.TELEGRAM_BOT_TOKEN
        self.api_url = (api_url or settings.TELEGRAM_API_URL).rstrip("/")
        self.client = httpx.Client(timeout=TIMEOUT)

    def call(self, method: str, params: dict | None = None, *, timeout: float | None = None):
        """The method's `result`; raises ApiError or NoAnswer."""
        url = f"{self.api_url}/bot{self.token}/{method}"
        extra = {} if timeout is None else {"timeout": httpx.Timeout(timeout, connect=5.0)}
        try:
            response = self.client.post(url, json=params or {}, **extra)
        except httpx.TimeoutException as error:
            if not isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
                # The request went out: it may have been carried out all the same.
                raise NoAnswer(
                    f"the Telegram Bot API did not answer {method} in time", timed_out=True
                ) from None
            raise NoAnswer(
                f"cannot reach the Telegram Bot API at {self.api_url}: no connection in time"
            ) from None
        except httpx.HTTPError as error:
            # Never the URL in a message: it holds the bot token.
            detail = str(error) or type(error).__name__
            if self.token:
                detail = detail.replace(self.token, "<token>")
            raise NoAnswer(
                f"cannot reach the Telegram Bot API at {self.api_url}: {detail}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            raise ApiError(
                method,
                response.status_code,
                f"an answer that is not the Bot API's: {response.reason_phrase}",
                {},
            )
        if not body["ok"]:
            error_code = body.get("error_code") or response.status_code
            raise ApiError(
                method, int(error_code), str(body.get("description", "")), body.get("parameters")
            )
        return body.get("result")

    def close(self) -> None:
        self.client.close()


def configured() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


# ---------------------------------------------------------------------------------------------
# The card as Telegram HTML


def _escape(text: str, limit: int = VALUE_LIMIT) -> str:
    return html.escape(shorten(str(text), limit), quote=False)


def text_of(card: IncidentCard) -> str:
    lines = [f"<b>{_escape(card.headline)}</b>"]
    lines += [f"{_escape(name)}: {_escape(value)}" for name, value in card.lines]
    if card.reason:
        lines.append(f"<i>Why you: {_escape(card.reason)}</i>")
    return "\n".join(lines)[:TEXT_LIMIT]


def button_url_allowed(url: str) -> bool:
    """Telegram refuses link buttons to local addresses (the whole message fails with them)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global


def keyboard_of(card: IncidentCard) -> dict:
    row = []
    for button in card.buttons:
        if button.action:
            row.append({"text": button.label, "callback_data": button.action})
        elif button.url and button_url_allowed(button.url):
            row.append({"text": button.label, "url": button.url})
    return {"inline_keyboard": [row] if row else []}


def reply_parameters(message_id: int) -> dict:
    """Send as a reply to `message_id`, or on its own if that message is gone."""
    return {"message_id": message_id, "allow_sending_without_reply": True}


def card_message(card: IncidentCard) -> dict:
    """The parameters sendMessage and editMessageText share."""
    return {
        "text": text_of(card),
        "parse_mode": "HTML",
        "reply_markup": keyboard_of(card),
        "link_preview_options": {"is_disabled": True},
    }


# ---------------------------------------------------------------------------------------------
# Delivery


def refusal(error: ApiError, message: OutboxMessage) -> Exception:
    """Sort Telegram's `ok: false` into the delivery loop's errors."""
    where = f"chat {message.address}"
    if error.error_code == 429:
        return TransientError(
            f"Telegram asks to slow down: {error.description}", retry_after=error.retry_after
        )
    if error.token_refused:
        return Unreachable(error.token_refused)
    if error.error_code >= 500:
        return Unreachable(
            f"the Telegram Bot API is failing: {error.error_code} {error.description}"
        )
    migrated = error.parameters.get("migrate_to_chat_id")
    if migrated:
        return PermanentError(
            f"Telegram refused {where}: the group became a supergroup with chat id {migrated}; "
            "change the team's Telegram chat to that id"
        )
    if error.error_code in (400, 403):
        return PermanentError(f"Telegram refused {where}: {error.description}")
    return TransientError(f"Telegram refused {where}: {error.error_code} {error.description}")


class Sender(ChatSender):
    """Sends a batch over one HTTP connection to the Bot API."""

    configured = staticmethod(configured)

    def __init__(self):
        self.bot = Bot()

    def _call(self, method: str, params: dict, message: OutboxMessage, *, unchanged_is_fine=False):
        try:
            return self.bot.call(method, params)
        except NoAnswer as error:
            if error.timed_out:
                # It may have arrived; Telegram has no idempotency key to send it again with.
                raise TransientError(error.reason) from None
            raise Unreachable(error.reason) from None
        except ApiError as error:
            # Each edit renders the incident as it is now, so another one may already show it.
            if unchanged_is_fine and error.error_code == 400 and NOT_MODIFIED in error.description:
                return None
            raise refusal(error, message) from None

    def post_card(self, message: OutboxMessage) -> str:
        shown = card(incident_of(message), reason=message.data.get("reason", ""))
        params = {"chat_id": message.address, **card_message(shown)}
        return str(self._call("sendMessage", params, message)["message_id"])

    def reply(self, message: OutboxMessage, thread: OutboxMessage | None) -> str:
        """A plain line in the chat, as a reply to the incident's card when that was posted."""
        params = {"chat_id": message.address, "text": message.body_text[:TEXT_LIMIT]}
        if thread is not None:
            params["reply_parameters"] = reply_parameters(int(thread.provider_message_id))
        return str(self._call("sendMessage", params, message)["message_id"])

    def edit(self, message: OutboxMessage, live: OutboxMessage) -> str:
        shown = card(incident_of(message), reason=live.data.get("reason", ""))
        params = {
            "chat_id": live.address,
            "message_id": int(live.provider_message_id),
            **card_message(shown),
        }
        self._call("editMessageText", params, message, unchanged_is_fine=True)
        return live.provider_message_id

    def close(self) -> None:
        self.bot.close()
