"""Slack: incident messages with buttons in a team's channel, pages by direct message.

Everything goes through Slack's Web API with slack_sdk's `WebClient` (chat.postMessage,
chat.update) at TOCSIN_SLACK_API_URL. A page is posted with the person's Slack member id as the
channel, so Slack opens the app's direct message with them and answers with that DM's channel
id; the provider message id is therefore kept as `"<channel>:<ts>"`, which is all chat.update
and a threaded reply need. The card is rendered from the database at send time, so an edit
always shows the incident as it is now. See docs/slack.md.
"""

from urllib.error import URLError

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from tocsin.notify.chat_cards.card import ACKNOWLEDGE, RESOLVE, IncidentCard, card, shorten
from tocsin.notify.outbox.models import OutboxMessage

from . import PermanentError, TransientError, Unreachable
from .chat import ChatSender, incident_of

TIMEOUT = 10  # seconds for one Web API call; well inside the delivery lease

# Slack's limits: a header's text, a section's text, a message's fallback text (it truncates
# longer ones itself), a button's label.
HEADER_LIMIT, SECTION_LIMIT, TEXT_LIMIT, BUTTON_LIMIT = 150, 3000, 4000, 75

BUTTON_STYLES = {ACKNOWLEDGE: "primary", RESOLVE: "danger"}

# Errors that say the bot's own token or app is wrong: every message would fail the same way.
TOKEN_ERRORS = {
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "team_access_not_granted",
}
# Slack's own trouble: another try later may work.
SLACK_TROUBLE = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def escape(text: str) -> str:
    """Text for a `mrkdwn` field: Slack's three control characters as entities, nothing else.

    Without it an incident title could carry `<!channel>` and ping everyone.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def configured() -> bool:
    return bool(settings.SLACK_BOT_TOKEN)


def web_client(*, timeout: float) -> WebClient:
    """A Web API client with the bot's token that never retries by itself: its caller decides
    when to try again (the delivery loop; a person waiting for an answer)."""
    return WebClient(
        token=settings.SLACK_BOT_TOKEN,
        base_url=settings.SLACK_API_URL.rstrip("/") + "/",
        timeout=timeout,
        retry_handlers=[],
    )


def blocks(card: IncidentCard) -> list[dict]:
    """The card as Block Kit: a header, the facts, why you (for a page), and its buttons."""
    facts = "\n".join(f"*{escape(name)}:* {escape(value)}" for name, value in card.lines)
    # A header's plain_text is shown as written: Slack parses no mentions or links in it.
    result = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": shorten(card.headline, HEADER_LIMIT)},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": shorten(facts, SECTION_LIMIT)}},
    ]
    if card.reason:
        why = f"*Why you:* {escape(card.reason)}"
        result.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": shorten(why, SECTION_LIMIT)}}
        )
    buttons = []
    for button in card.buttons:
        element = {
            "type": "button",
            "text": {"type": "plain_text", "text": shorten(button.label, BUTTON_LIMIT)},
        }
        if button.url:
            element.update(action_id="open", url=button.url)
        else:
            action = button.action.partition(":")[0]
            element.update(action_id=action, value=button.action)
            if action in BUTTON_STYLES:
                element["style"] = BUTTON_STYLES[action]
        buttons.append(element)
    if buttons:
        # No block_id: Slack makes a new one for every version of the message, as it asks.
        result.append({"type": "actions", "elements": buttons})
    return result


def fallback(card: IncidentCard) -> str:
    """The `text` shown in notifications and by clients that cannot show blocks."""
    return shorten(escape(card.text), TEXT_LIMIT)


def card_message(card: IncidentCard) -> dict:
    """The arguments chat.postMessage and chat.update share."""
    return {"text": fallback(card), "blocks": blocks(card)}


def refused(error: SlackApiError, message: OutboxMessage, method: str):
    """Sort an answer from Slack that is not `ok` into try again, wait, or give up."""
    response = error.response
    status = response.status_code
    code = response.get("error", "") if isinstance(response.data, dict) else ""
    if status == 429 or code == "ratelimited":
        retry_after = _retry_after(response.headers)
        return TransientError(
            f"Slack is rate limiting {method}: try again in {retry_after:g} s",
            retry_after=retry_after,
        )
    if status >= 500:
        return Unreachable(f"Slack answered {method} with HTTP {status}: {code or 'no reason'}")
    if code in TOKEN_ERRORS:
        return PermanentError(
            f"Slack refused the bot token ({code}): check TOCSIN_SLACK_BOT_TOKEN and the app's "
            "scopes (docs/slack.md)"
        )
    if code in SLACK_TROUBLE:
        return TransientError(f"Slack could not handle {method} this time ({code})")
    if code in ("channel_not_found", "user_not_found") and message.address[:1] in ("U", "W"):
        return PermanentError(
            f"Slack has no member {message.address} the bot can write to ({code}): check the "
            "Slack member ID on the person's profile"
        )
    if code == "channel_not_found":
        return PermanentError(
            f"Slack has no channel {message.address} that the bot can see (channel_not_found): "
            "check the channel id, and invite the bot to a private channel"
        )
    if code == "not_in_channel":
        return PermanentError(
            f"the bot is not in the channel {message.address} (not_in_channel): "
            "invite it with /invite @Tocsin"
        )
    if code == "is_archived":
        return PermanentError(f"the channel {message.address} is archived (is_archived)")
    return PermanentError(f"Slack refused {method}: {code or f'HTTP {status}'}")


def _retry_after(headers) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(float(value), 1.0)
            except (TypeError, ValueError):
                break
    return 1.0


def provider_id(answer) -> str:
    return f"{answer['channel']}:{answer['ts']}"


def _where(posted: OutboxMessage) -> tuple[str, str] | None:
    """The channel and ts of a posted message ("<channel>:<ts>"); None if it has neither."""
    channel, _, ts = posted.provider_message_id.partition(":")
    return (channel, ts) if channel and ts else None


class Sender(ChatSender):
    """One WebClient for the batch; slack_sdk opens a connection per call."""

    def __init__(self):
        self.client = web_client(timeout=TIMEOUT)

    configured = staticmethod(configured)

    def post_card(self, message: OutboxMessage) -> str:
        shown = card(incident_of(message), reason=message.data.get("reason", ""))
        answer = self._call(
            "chat.postMessage",
            message,
            channel=message.address,
            **card_message(shown),
            unfurl_links=False,
            unfurl_media=False,
        )
        return provider_id(answer)

    def reply(self, message: OutboxMessage, thread: OutboxMessage | None) -> str:
        """A line in the channel, in the thread of the incident's message when it has one."""
        where = _where(thread) if thread is not None else None
        extra = {"thread_ts": where[1]} if where else {}
        answer = self._call(
            "chat.postMessage",
            message,
            channel=message.address,
            text=shorten(escape(message.body_text), TEXT_LIMIT),
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        return provider_id(answer)

    def edit(self, message: OutboxMessage, live: OutboxMessage) -> str:
        where = _where(live)
        if where is None:
            raise PermanentError("the message to edit was never posted")
        shown = card(incident_of(message), reason=live.data.get("reason", ""))
        channel, ts = where
        answer = self._call(
            "chat.update",
            message,
            channel=channel,
            ts=ts,
            **card_message(shown),
        )
        return provider_id({"channel": answer.get("channel") or channel, "ts": ts})

    def _call(self, method: str, message: OutboxMessage, **arguments):
        try:
            return getattr(self.client, method.replace(".", "_"))(**arguments)
        except SlackApiError as error:
            raise refused(error, message, method) from error
        except SlackRequestError as error:
            raise Unreachable(f"cannot call Slack: {error} (check TOCSIN_SLACK_API_URL)") from error
        except (URLError, OSError) as error:
            # URLError for a refused connection or an unknown host, TimeoutError, a reset.
            reason = str(getattr(error, "reason", None) or error) or type(error).__name__
            raise Unreachable(f"cannot reach Slack at {self.client.base_url}: {reason}") from error
