"""A stand-in for the Telegram Bot API: an HTTP server on 127.0.0.1 speaking its wire format.

Requests are `GET`/`POST /bot<token>/<method>` with parameters in the query string, a form or a
JSON body (object parameters such as `reply_markup` JSON-encoded in a form, as Telegram
accepts them); answers are `{"ok": true, "result": …}` or `{"ok": false, "error_code": …,
"description": …, "parameters": …}`. It keeps the messages it was sent, so an edit can be
checked against the message it edits, and it parses `parse_mode: HTML` the way Telegram does:
an unknown tag or a stray `<` is a 400 "can't parse entities".

    telegram = FakeTelegram(token="123:ABC"); telegram.start()
    telegram.calls("sendMessage")       # the parameters of every sendMessage, in order
    telegram.messages[(chat_id, id)]    # a message as it stands now (text, plain, keyboard)
    telegram.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
"""

import json
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import serve, shut

# Tags Telegram's HTML parse mode knows; anything else is refused.
TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
    "tg-spoiler", "tg-emoji", "blockquote",
}  # fmt: skip
ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}  # the only named ones Telegram knows
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class EntityError(ValueError):
    pass


class _Telegramish(HTMLParser):
    """Telegram's reading of parse_mode HTML: the plain text a person sees, or an error."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.plain: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            raise EntityError(f'Unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            raise EntityError(f'Unmatched end tag "{tag}"')
        self.open.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data:
            raise EntityError("Unsupported start tag or stray '<'")
        self.plain.append(data)

    def handle_entityref(self, name):
        if name not in ENTITIES:
            raise EntityError(f'Unsupported HTML entity "&{name};"')
        self.plain.append(ENTITIES[name])

    def handle_charref(self, name):
        self.plain.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def plain_text(text: str, parse_mode: str | None) -> str:
    if parse_mode != "HTML":
        return text
    parser = _Telegramish()
    parser.feed(text)
    parser.close()
    if parser.rawdata.strip() or parser.open:
        raise EntityError("Can't find end of the entity")
    return "".join(parser.plain)


class ApiRefusal(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.time)


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token"):
        self.token = token
        self.lock = threading.Lock()
        self.log: list[Call] = []
        self.messages: dict[tuple[str, int], dict] = {}
        self.next_message_id = 100
        self.failures: list[tuple[str, int, str, dict | None]] = []
        self.unreachable_chats: dict[str, tuple[int, str]] = {}
        self.updates: list[dict] = []
        self.webhook: dict = {}
        self.server: ThreadingHTTPServer | None = None

    # --- the test's side ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeTelegram":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake._serve(self)

            def do_POST(self):
                fake._serve(self)

            def log_message(self, *args):
                pass

        self.server = serve(Handler)
        return self

    def stop(self) -> None:
        shut(self.server)

    def calls(self, method: str | None = None) -> list[dict]:
        with self.lock:
            return [c.params for c in self.log if method is None or c.method == method]

    def methods(self) -> list[str]:
        with self.lock:
            return [c.method for c in self.log]

    def fail(self, method: str, code: int, description: str, **parameters) -> None:
        """The next call of `method` fails this way (scripted failures queue up)."""
        with self.lock:
            self.failures.append((method, code, description, parameters or None))

    def chat_refuses(self, chat_id, code: int, description: str) -> None:
        """Every message to this chat fails: 400 chat not found, 403 bot was blocked…"""
        self.unreachable_chats[str(chat_id)] = (code, description)

    def queue_update(self, update: dict) -> None:
        with self.lock:
            self.updates.append(update)

    def message(self, chat_id, message_id) -> dict:
        return self.messages[(str(chat_id), int(message_id))]

    # --- the Bot API's side ------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        prefix, _, method = parts.path.lstrip("/").partition("/")
        try:
            if prefix != f"bot{self.token}":
                raise ApiRefusal(401, "Unauthorized")
            params = self._params(request, parts.query)
            with self.lock:
                self.log.append(Call(method, params))
                result = self._answer(method, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiRefusal as refusal:
            status = refusal.code
            body = {"ok": False, "error_code": refusal.code, "description": refusal.description}
            if refusal.parameters:
                body["parameters"] = refusal.parameters
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _params(self, request, query: str) -> dict:
        params: dict = dict(parse_qsl(query))
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        kind = (request.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind == "application/json" and raw:
            try:
                body = json.loads(raw)
            except ValueError:
                raise ApiRefusal(400, "Bad Request: can't parse JSON object") from None
            params.update(body)
        elif kind == "application/x-www-form-urlencoded":
            for key, value in parse_qsl(raw.decode()):
                # Object parameters arrive JSON-encoded in a form.
                if key in ("reply_markup", "reply_parameters", "allowed_updates"):
                    value = json.loads(value)
                params[key] = value
        return params

    def _answer(self, method: str, params: dict):
        for index, (failing, code, description, parameters) in enumerate(self.failures):
            if failing == method:
                del self.failures[index]
                raise ApiRefusal(code, description, parameters)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            raise ApiRefusal(404, "Not Found")
        return handler(params)

    def _check_chat(self, params) -> str:
        if "chat_id" not in params:
            raise ApiRefusal(400, "Bad Request: chat_id is empty")
        chat_id = str(params["chat_id"])
        if chat_id in self.unreachable_chats:
            raise ApiRefusal(*self.unreachable_chats[chat_id])
        return chat_id

    def _content(self, params) -> dict:
        text = params.get("text", "")
        if not text:
            raise ApiRefusal(400, "Bad Request: message text is empty")
        try:
            plain = plain_text(text, params.get("parse_mode"))
        except EntityError as error:
            raise ApiRefusal(400, f"Bad Request: can't parse entities: {error}") from None
        if len(plain) > 4096:
            raise ApiRefusal(400, "Bad Request: message is too long")
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if "url" in button and urlsplit(button["url"]).hostname in ("localhost",):
                    raise ApiRefusal(400, "Bad Request: BUTTON_URL_INVALID")
                if len(button.get("callback_data", "").encode()) > 64:
                    raise ApiRefusal(400, "Bad Request: BUTTON_DATA_INVALID")
        return {"text": text, "plain": plain, "reply_markup": markup}

    def _message(self, chat_id: str, message_id: int, content: dict, **more) -> dict:
        chat_type = "private" if not chat_id.startswith("-") else "supergroup"
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": chat_type},
            "text": content["plain"],
            **({"reply_markup": content["reply_markup"]} if content["reply_markup"] else {}),
            **more,
        }

    def _sendMessage(self, params):
        chat_id = self._check_chat(params)
        content = self._content(params)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_to and (chat_id, int(reply_to)) not in self.messages:
            if not reply.get("allow_sending_without_reply"):
                raise ApiRefusal(400, "Bad Request: message to be replied not found")
            reply_to = None
        self.next_message_id += 1
        message_id = self.next_message_id
        self.messages[(chat_id, message_id)] = {**content, "reply_to": reply_to, "edits": 0}
        return self._message(chat_id, message_id, content)

    def _editMessageText(self, params):
        chat_id = self._check_chat(params)
        key = (chat_id, int(params.get("message_id") or 0))
        if key not in self.messages:
            raise ApiRefusal(400, "Bad Request: message to edit not found")
        content = self._content(params)
        current = self.messages[key]
        if (current["plain"], current["reply_markup"]) == (
            content["plain"],
            content["reply_markup"],
        ):
            raise ApiRefusal(400, NOT_MODIFIED)
        current.update(content, edits=current["edits"] + 1)
        return self._message(chat_id, key[1], content, edit_date=int(time.time()))

    def _answerCallbackQuery(self, params):
        if not params.get("callback_query_id"):
            raise ApiRefusal(400, "Bad Request: query is too old and response timeout expired")
        return True

    def _setWebhook(self, params):
        self.webhook = dict(params)
        return True

    def _deleteWebhook(self, params):
        self.webhook = {}
        return True

    def _getMe(self, params):
        return {"id": 123456, "is_bot": True, "first_name": "Tocsin", "username": "TocsinBot"}

    def _getUpdates(self, params):
        if self.webhook.get("url"):
            raise ApiRefusal(
                409, "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )  # fmt: skip
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return list(self.updates)
