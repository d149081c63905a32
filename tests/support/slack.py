"""Talking to Tocsin as Slack does: block_actions presses signed with the signing secret, posted
form-encoded to the interactivity URL; and reading Tocsin's messages back (the fake Web API is
fakes/slack.py).
"""

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from tests.support.samples import sample
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose

SECRET = "e3b1c4a7d9f2tocsin0signing0secret"
URL = "/hooks/slack/interactivity"
CHANNEL = "C0PAYMENTS"


def linked(user, member_id: str) -> ContactMethod:
    """`user` added their Slack member ID as a Slack contact method on their profile."""
    return ContactMethod.objects.create(user=user, kind=ContactKind.SLACK, address=member_id)


def posted(purpose=Purpose.CHAT_POST) -> tuple[str, str]:
    """(channel, ts) of the live message Slack took."""
    message = OutboxMessage.objects.get(purpose=purpose, data__live=True)
    assert message.state == OutboxState.SENT, message.last_error
    channel, _, ts = message.provider_message_id.partition(":")
    return channel, ts


def signature(body: str, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def block_actions(value: str, *, user: str, channel: str, ts: str, response_url: str) -> dict:
    """Slack's documented block_actions payload, as a press of one of Tocsin's buttons."""
    payload = sample("slack-block-actions.json")
    payload["user"] = {"id": user, "username": user.lower(), "team_id": payload["team"]["id"]}
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel, "name": "payments-incidents"}
    payload["message"]["ts"] = ts
    payload["response_url"] = response_url
    action = payload["actions"][0]
    action.update(action_id=value.partition(":")[0], value=value)
    action["text"]["text"] = "I'll fix it"
    return payload


def press(client, slack, value, *, user, channel=CHANNEL, ts, secret=SECRET, age=0, headers=None):
    """POST a signed press to Tocsin as Slack does: `payload=<JSON>`, form-encoded."""
    payload = block_actions(
        value, user=user, channel=channel, ts=ts, response_url=slack.response_url()
    )
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = int(time.time()) - age
    if headers is None:
        headers = {
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature(body, timestamp, secret),
        }
    return client.post(
        URL, data=body, content_type="application/x-www-form-urlencoded", headers=headers
    )


def replies(slack) -> list[str]:
    """The ephemeral answers Tocsin gave through response_url."""
    for call in slack.called("response_url"):
        assert call.arguments["response_type"] == "ephemeral"
        assert call.arguments["replace_original"] is False
    return [call.arguments["text"] for call in slack.called("response_url")]


def buttons(blocks) -> list[tuple]:
    [actions] = [b for b in blocks if b["type"] == "actions"]
    return [(e["action_id"], e.get("value"), e["text"]["text"]) for e in actions["elements"]]


def facts(blocks) -> str:
    return blocks[1]["text"]["text"]
