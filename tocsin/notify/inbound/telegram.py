"""Telegram, inbound: button presses and bot commands, by webhook or by long polling.

Both ways hand each update to `handle_update`, which returns the Bot API call to answer with
(or None). The webhook sends it back in its HTTP response, which Telegram carries out; the
poller calls it. A press goes through `press.py` – the same services as the web – and the
incident's messages are then edited through the outbox, like after any other change.

Commands: `/start CODE` in a direct chat links the sender's Telegram account
(account_linking/services.py); `/chatid` tells a group its chat id, which a team lead enters on
the team's page.
"""

import hmac
import json
import logging
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tocsin.accounts.models import ContactKind, User
from tocsin.errors import DomainError
from tocsin.http import error_response
from tocsin.incidents.models import Channel
from tocsin.notify.account_linking.services import link_chat_account, void_link_code
from tocsin.notify.channels.telegram import (
    ApiError,
    Bot,
    NoAnswer,
    configured,
    reply_parameters,
)
from tocsin.notify.conf import public_url
from tocsin.notify.team_chats.models import ChatKind

from .press import press, user_for

logger = logging.getLogger("tocsin.notify.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

HELP = (
    "I am Tocsin's bot. I post your team's incidents with buttons to act on them, and I can "
    "page you here.\n\n"
    "To link your Telegram account: open your profile in Tocsin, choose “Link Telegram”, and "
    "send me the command it shows, like /start ABCD2345EF.\n"
    "In a group, /chatid tells you the id to enter on your team's page in Tocsin."
)


def telegram_user(account_id) -> User | None:
    """The person a Telegram account is linked to (with a /start code; see press.user_for)."""
    return user_for(ContactKind.TELEGRAM, account_id) if account_id is not None else None


def _label(account: dict) -> str:
    if account.get("username"):
        return f"@{account['username']}"
    return " ".join(filter(None, [account.get("first_name"), account.get("last_name")]))


def _command(text: str) -> tuple[str | None, str]:
    """("start", "CODE") from "/start CODE" or "/start@TocsinBot CODE"; (None, "") otherwise."""
    if not text.startswith("/"):
        return None, ""
    head, _, rest = text.partition(" ")
    return head[1:].partition("@")[0].lower(), rest.strip()


# ---------------------------------------------------------------------------------------------
# Updates


def on_callback_query(query: dict) -> dict | None:
    """A button under an incident's message was pressed: act, and say how it went."""
    query_id = str(query.get("id") or "")
    if not query_id:
        return None
    account = query.get("from") or {}
    user = telegram_user(account.get("id"))
    outcome = press(str(query.get("data") or ""), user, via=Channel.TELEGRAM)
    logger.info(
        "telegram: %s pressed %r as %s: %s",
        account.get("id"),
        query.get("data"),
        user or "nobody linked",
        outcome.text,
    )
    return {
        "method": "answerCallbackQuery",
        "callback_query_id": query_id,
        "text": outcome.text,
        # A refusal stays on screen until it is read; a success is a passing note.
        "show_alert": not outcome.ok,
    }


def _send(message: dict, text: str, *, as_reply: bool = False) -> dict:
    reply = {"method": "sendMessage", "chat_id": message["chat"]["id"], "text": text}
    if as_reply and message.get("message_id"):
        reply["reply_parameters"] = reply_parameters(message["message_id"])
    return reply


def _link(message: dict, code: str) -> dict:
    account = message.get("from") or {}
    if not account.get("id"):
        return _send(message, HELP)
    try:
        method = link_chat_account(
            code=code,
            kind=ChatKind.TELEGRAM,
            account_id=str(account.get("id", "")),
            label=_label(account),
        )
    except DomainError as error:
        return _send(message, error.message)
    logger.info("telegram: account %s linked to %s", method.address, method.user)
    return _send(
        message,
        f"Linked to {method.user}. When you press a button on an incident, Tocsin knows it is "
        "you; and if your notification rules in Tocsin include Telegram, pages reach you here.",
    )


def on_message(message: dict) -> dict | None:
    conversation = message.get("chat") or {}
    if "id" not in conversation:
        return None
    command, argument = _command(str(message.get("text") or ""))
    if conversation.get("type") == "private":
        if command == "start" and argument:
            return _link(message, argument)
        if command == "chatid":
            return _send(message, f"This chat's id is {conversation['id']}.")
        return _send(message, HELP)
    if command == "chatid":
        title = conversation.get("title") or "this group"
        return _send(
            message,
            f"The chat id of {title} is {conversation['id']}. A lead of your team enters it "
            "on the team's page in Tocsin, and the team's incidents are posted here.",
            as_reply=True,
        )
    if command == "start" and argument:
        # Everyone here has read the code: it must not link anybody now.
        void_link_code(code=argument, kind=ChatKind.TELEGRAM)
        return _send(
            message,
            "That code was posted in a group, so it no longer works. Get a new one on your "
            "profile in Tocsin and send it to me in a direct chat.",
            as_reply=True,
        )
    return None


def handle_update(update: dict) -> dict | None:
    """One update from Telegram; returns the Bot API call that answers it, if any."""
    if isinstance(update.get("callback_query"), dict):
        return on_callback_query(update["callback_query"])
    if isinstance(update.get("message"), dict):
        return on_message(update["message"])
    return None  # other kinds (edits, channel posts, member changes) are not Tocsin's business


# ---------------------------------------------------------------------------------------------
# The webhook: POST /hooks/telegram/


@csrf_exempt
@require_POST
def webhook(request):
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    if not expected:
        return error_response(
            401,
            "not_configured",
            "Telegram webhooks are not set up here: set TOCSIN_TELEGRAM_WEBHOOK_SECRET",
        )
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return error_response(
            401, "unauthorized", f"the {SECRET_HEADER} header is missing or wrong"
        )
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = request.read(limit + 1)
    if len(body) > limit:
        return error_response(413, "payload_too_large", f"the body is larger than {limit} bytes")
    try:
        update = json.loads(body)
    except ValueError:
        return error_response(400, "invalid_json", "the body is not JSON")
    if not isinstance(update, dict):
        return error_response(400, "invalid_update", "an update is a JSON object")
    reply = handle_update(update)
    if reply is None:
        return HttpResponse(status=200)
    # Telegram carries out a Bot API call given in the webhook's response.
    return JsonResponse(reply)


# ---------------------------------------------------------------------------------------------
# Long polling and webhook setup (`tocsin telegram …`)


class SetupError(Exception):
    """A problem the operator has to fix; the message says how."""


def _ensure_token() -> None:
    if not configured():
        raise SetupError("TOCSIN_TELEGRAM_BOT_TOKEN is not set")


def _answer(bot: Bot, reply: dict) -> None:
    params = dict(reply)
    method = params.pop("method")
    try:
        bot.call(method, params)
    except (ApiError, NoAnswer) as error:
        logger.warning("telegram: %s failed: %s", method, error)


def poll_once(bot: Bot, *, offset: int | None, timeout: int) -> int | None:
    """One getUpdates round: handle what came and return the next offset."""
    params = {"timeout": timeout, "allowed_updates": ALLOWED_UPDATES}
    if offset is not None:
        params["offset"] = offset
    try:
        updates = bot.call("getUpdates", params, timeout=timeout + 10)
    except ApiError as error:
        if error.error_code == 409 and "webhook" in error.description:
            raise SetupError(
                "a webhook is set for this bot, so Telegram will not hand out updates: remove "
                "it with `tocsin telegram delete-webhook`, or keep the webhook and stop polling"
            ) from None
        if error.error_code == 409:
            raise SetupError(
                "another program is fetching this bot's updates (another `tocsin telegram "
                f"poll`?): run only one ({error.description})"
            ) from None
        if error.token_refused:
            raise SetupError(error.token_refused) from None
        logger.warning("telegram: getUpdates failed: %s", error)
        time.sleep(error.retry_after or 5)
        return offset
    except NoAnswer as error:
        logger.warning("telegram: %s", error.reason)
        time.sleep(5)
        return offset
    for update in updates or []:
        # Confirmed by the next call, even if handling fails: one bad update must not jam
        # every one after it.
        offset = int(update["update_id"]) + 1
        try:
            reply = handle_update(update)
        except Exception:
            logger.exception("telegram: update %s could not be handled", update.get("update_id"))
            continue
        if reply is not None:
            _answer(bot, reply)
    return offset


def poll(*, timeout: int = 25, rounds: int | None = None) -> None:
    """Fetch updates with getUpdates until stopped (or for `rounds` rounds)."""
    _ensure_token()
    bot = Bot()
    offset = None
    try:
        done = 0
        while rounds is None or done < rounds:
            if not connection.in_atomic_block:
                # A long-running process: drop a connection the database has closed meanwhile.
                close_old_connections()
            offset = poll_once(bot, offset=offset, timeout=timeout)
            done += 1
    finally:
        bot.close()


def set_webhook(url: str | None = None) -> str:
    """Point the bot at this Tocsin's /hooks/telegram/ with the secret; returns the URL."""
    _ensure_token()
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not secret:
        raise SetupError(
            "TOCSIN_TELEGRAM_WEBHOOK_SECRET is not set: without it Tocsin refuses every "
            "webhook request (try `openssl rand -hex 32`)"
        )
    if len(secret) > 256 or not set(secret) <= SECRET_CHARACTERS:
        raise SetupError(
            "TOCSIN_TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ "
            "and - (Telegram's rule)"
        )
    url = url or public_url("telegram-webhook")
    if not url.startswith("https://"):
        raise SetupError(f"Telegram only calls HTTPS webhooks, and {url} is not one")
    _setup_call(
        "setWebhook", {"url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES}
    )
    return url


def delete_webhook() -> None:
    _ensure_token()
    _setup_call("deleteWebhook", {})


def _setup_call(method: str, params: dict):
    bot = Bot()
    try:
        return bot.call(method, params)
    except ApiError as error:
        raise SetupError(
            f"Telegram refused {method}: {error.error_code} {error.description}"
        ) from None
    except NoAnswer as error:
        raise SetupError(error.reason) from None
    finally:
        bot.close()
