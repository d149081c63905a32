"""A stand-in for Slack on 127.0.0.1: the Web API methods Tocsin calls, and response URLs.

It speaks the documented wire format the way slack_sdk uses it: `POST /api/<method>` with a
JSON body (chat.postMessage, chat.update) or a form-encoded one (users.info), the bot token as
`Authorization: Bearer …`, and answers `{"ok": true, …}` with HTTP 200, or `{"ok": false,
"error": …}` (HTTP 200, or 429 with `Retry-After` when rate limited). `POST /actions/…` stands
for a `response_url`. Every request is recorded in `calls`.
"""

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from . import serve, shut


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" for a reply to /actions/…
    arguments: dict
    headers: dict
    path: str


@dataclass
class Scripted:
    status: int
    body: dict
    headers: dict = field(default_factory=dict)


class FakeSlack:
    def __init__(self, token: str = "xoxb-tocsin-tests"):
        self.token = token
        self.calls: list[Call] = []
        self.emails: dict[str, str] = {}  # Slack member id -> e-mail, for users.info
        self.messages: dict[tuple[str, str], dict] = {}  # (channel, ts) -> the message now
        self.script: dict[str, list[Scripted]] = {}  # method -> answers to give first
        self._lock = threading.Lock()
        self._ts = itertools.count(100)
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "T0001/1234/abcd") -> str:
        return f"{self.url}/actions/{name}"

    def start(self) -> "FakeSlack":
        self.server = serve(self._handler())
        return self

    def stop(self) -> None:
        shut(self.server)

    # --- what the tests ask --------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def answer_next(self, method: str, status: int, body: dict, headers=None) -> None:
        """Answer the next call of `method` like this instead of doing it."""
        self.script.setdefault(method, []).append(Scripted(status, body, headers or {}))

    def rate_limit_next(self, method: str, retry_after: int) -> None:
        self.answer_next(
            method, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        )

    # --- the server -----------------------------------------------------------------------

    def _answer(self, method: str, arguments: dict, authorization: str) -> Scripted:
        if method != "response_url":
            if authorization != f"Bearer {self.token}":
                error = "not_authed" if not authorization else "invalid_auth"
                return Scripted(200, {"ok": False, "error": error})
            scripted = self.script.get(method)
            if scripted:
                return scripted.pop(0)
        if method == "chat.postMessage":
            channel = str(arguments.get("channel", ""))
            if not channel:
                return Scripted(200, {"ok": False, "error": "channel_not_found"})
            if channel.startswith(("U", "W")):  # a member id: Slack opens the app's DM
                channel = "D" + channel[1:]
            ts = f"1767225600.{next(self._ts):06d}"
            message = {
                "type": "message",
                "text": arguments.get("text", ""),
                "blocks": arguments.get("blocks", []),
                "ts": ts,
            }
            if "thread_ts" in arguments:
                message["thread_ts"] = arguments["thread_ts"]
            self.messages[channel, ts] = message
            return Scripted(200, {"ok": True, "channel": channel, "ts": ts, "message": message})
        if method == "chat.update":
            channel, ts = arguments.get("channel"), arguments.get("ts")
            if (channel, ts) not in self.messages:
                return Scripted(200, {"ok": False, "error": "message_not_found"})
            self.messages[channel, ts].update(
                text=arguments.get("text", ""), blocks=arguments.get("blocks", [])
            )
            return Scripted(
                200, {"ok": True, "channel": channel, "ts": ts, "text": arguments.get("text")}
            )
        if method == "users.info":
            user = arguments.get("user", "")
            if user not in self.emails:
                return Scripted(200, {"ok": False, "error": "user_not_found"})
            profile = {"email": self.emails[user], "real_name": user}
            return Scripted(200, {"ok": True, "user": {"id": user, "profile": profile}})
        if method == "response_url":
            return Scripted(200, {"ok": True})
        return Scripted(200, {"ok": False, "error": "unknown_method"})

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    arguments = json.loads(raw or "{}")
                else:
                    arguments = dict(parse_qsl(raw))
                if self.path.startswith("/api/"):
                    method = self.path.removeprefix("/api/").split("?")[0]
                elif self.path.startswith("/actions/"):
                    method = "response_url"
                else:
                    self.send_error(404)
                    return
                with fake._lock:
                    call = Call(method, arguments, dict(self.headers.items()), self.path)
                    fake.calls.append(call)
                    answer = fake._answer(method, arguments, self.headers.get("Authorization", ""))
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):
                pass

        return Handler
