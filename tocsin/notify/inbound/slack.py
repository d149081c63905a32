"""Slack's interactivity requests: a button pressed on an incident message, done as that person.

Slack POSTs `payload=<JSON>` form-encoded to /hooks/slack/interactivity and signs the raw body
with the app's signing secret (`X-Slack-Signature: v0=HMAC-SHA256("v0:<timestamp>:<body>")`).
A request that is not signed right, or is more than five minutes old, is refused with a 401
before anything is read from it. Slack wants an answer within three seconds: the press runs
through the incident services (a short transaction), the person is told the outcome in an
ephemeral reply through the payload's `response_url`, and the channel message itself is
re-rendered by the chat edit the services queued. See docs/slack.md.
"""

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.webhook import WebhookClient

from tocsin.accounts.models import ContactKind, ContactMethod, User
from tocsin.http import Refused
from tocsin.incidents.models import Channel
from tocsin.notify.channels.slack import configured, escape, web_client
from tocsin.notify.conf import public_url

from .press import press, user_with_email

logger = logging.getLogger("tocsin.notify.slack")

MAX_AGE = 5 * 60  # seconds a signed request stays acceptable (Slack's own advice)
# Slack shows the person an error after three seconds; these two calls must fit in that.
LOOKUP_TIMEOUT = 1  # users.info, for the e-mail of a Slack account nobody linked yet
REPLY_TIMEOUT = 1  # the ephemeral reply to response_url


def verify(
    body: bytes, timestamp: str | None, signature: str | None, *, secret: str, now: float
) -> None:
    """Raise Refused unless `signature` is Slack's v0 signature of `body` at a fresh `timestamp`."""
    if not secret:
        raise Refused(
            503,
            "not_configured",
            "Slack is not set up on this Tocsin: TOCSIN_SLACK_SIGNING_SECRET is not set",
        )
    if not timestamp or not signature:
        raise Refused(
            401,
            "signature_missing",
            "X-Slack-Request-Timestamp and X-Slack-Signature are required",
        )
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(
            401, "timestamp_invalid", "X-Slack-Request-Timestamp is not a number"
        ) from None
    age = now - sent_at
    if abs(age) > MAX_AGE:
        raise Refused(
            401,
            "timestamp_stale",
            f"the request was signed {abs(age):.0f} seconds {'ago' if age > 0 else 'ahead'}; "
            "Slack requests are accepted for 5 minutes (is this server's clock right?)",
        )
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Refused(
            401,
            "signature_invalid",
            "X-Slack-Signature does not match the body: check TOCSIN_SLACK_SIGNING_SECRET",
        )


def parse(body: bytes) -> dict:
    """The JSON `payload` form field of an interactivity request."""
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=False)
        payload = json.loads(fields["payload"][0])
    except (UnicodeDecodeError, KeyError, IndexError, ValueError):
        raise Refused(
            400, "payload_invalid", "expected a form field `payload` holding JSON"
        ) from None
    if not isinstance(payload, dict):
        raise Refused(400, "payload_invalid", "`payload` is not a JSON object")
    return payload


def _slack_email(slack_user_id: str) -> str:
    """The Slack account's e-mail address, if the bot may read it (users:read.email); or ""."""
    if not configured():
        return ""
    try:
        answer = web_client(timeout=LOOKUP_TIMEOUT).users_info(user=slack_user_id)
    except Exception as error:  # too slow, no scope, no such user: not linked, then
        logger.info("could not look up Slack user %s: %s", slack_user_id, error)
        return ""
    profile = (answer.get("user") or {}).get("profile") or {}
    return str(profile.get("email") or "")


def person_for(slack_user: dict) -> User | None:
    """The Tocsin user behind a Slack account: the one with its Slack e-mail address, else the
    one person who entered its member ID on their profile.

    Slack vouches for the e-mail address; a member ID is typed in unchecked, so it only counts
    when Slack gives no address and exactly one person claims the ID.
    """
    slack_user_id = str(slack_user.get("id") or "")
    if not slack_user_id:
        return None
    email = slack_user.get("email") or _slack_email(slack_user_id)
    person = user_with_email(email) if email else None
    if person is not None:
        return person
    claimed_by = set(
        ContactMethod.objects.filter(
            kind=ContactKind.SLACK, address=slack_user_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    return User.objects.get(pk=claimed_by.pop()) if len(claimed_by) == 1 else None


def may_reply_to(url: str) -> bool:
    """Only Slack's own hooks (or the API host configured, for a proxy or the tests)."""
    parts, api = urlsplit(url), urlsplit(settings.SLACK_API_URL)
    if parts.scheme == "https" and parts.hostname == "hooks.slack.com":
        return True
    return bool(parts.netloc) and (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def reply(response_url: str, text: str) -> None:
    """Tell only the person who pressed the button; a failure here changes nothing done."""
    if not response_url or not may_reply_to(response_url):
        return
    client = WebhookClient(response_url, timeout=REPLY_TIMEOUT, retry_handlers=[])
    try:
        client.send(text=escape(text), response_type="ephemeral", replace_original=False)
    except Exception as error:
        logger.warning("could not answer a Slack button press: %s", error)


def _unlinked_text(slack_user_id: str) -> str:
    profile = public_url("profile")
    return (
        f"Tocsin does not know your Slack account yet. Add your Slack member ID {slack_user_id} "
        f"as a Slack contact method on your Tocsin profile ({profile}), then press again."
    )


# No CSRF token: Slack's signature over the body is the credential.
@csrf_exempt
@require_POST
def interactivity(request):
    try:
        body = request.body
    except RequestDataTooBig:
        return Refused(413, "payload_too_large", "the request body is too large").response()
    try:
        verify(
            body,
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
            secret=settings.SLACK_SIGNING_SECRET,
            now=time.time(),
        )
        payload = parse(body)
    except Refused as refused:
        logger.warning("refused a Slack interactivity request: %s", refused.message)
        return refused.response()

    if payload.get("type") != "block_actions":
        return HttpResponse(status=200)  # nothing else is asked of this app
    pressed = [a for a in payload.get("actions") or [] if isinstance(a, dict) and a.get("value")]
    if not pressed:
        return HttpResponse(status=200)  # the "Open" link button: Slack opened the page
    slack_user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    user = person_for(slack_user)
    outcome = press(str(pressed[0]["value"]), user, via=Channel.SLACK)
    text = outcome.text
    if user is None and outcome.incident is not None:
        text = _unlinked_text(str(slack_user.get("id") or ""))
    reply(str(payload.get("response_url") or ""), text)
    return HttpResponse(status=200)
