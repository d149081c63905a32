"""A webhook receiver on 127.0.0.1, as a user would write one from docs/webhooks.md.

It checks every delivery's signature with the documented algorithm, written out here rather
than imported from Tocsin, answers 401 when it does not match, and keeps what it got.

    receiver = Receiver(); receiver.start()
    receiver.secrets["/ops"] = webhook.secret     # the path's secret, as shown to its admins
    receiver.script["/ops"] = [500, 204]          # answers in turn; then 204 for ever
    receiver.deliveries                           # what arrived, verified or not
"""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from ..live import free_port
from . import serve, shut

STALL_LIMIT = 30.0  # the longest a stalled answer waits for stop(): only a broken test gets there


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.headers.get("X-Tocsin-Event", "")


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    stall: bool = False  # answer only once the test is over (`stop()`): a receiver that hangs


class Receiver:
    def __init__(self):
        self.port = free_port()
        self.secrets: dict[str, str] = {}
        self.script: dict[str, list] = {}
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _next_answer(self, path: str) -> Answer:
        with self._lock:
            queue = self.script.get(path) or []
            answer = queue.pop(0) if queue else 204
        return answer if isinstance(answer, Answer) else Answer(answer)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        secret = self.secrets.get(handler.path)
        timestamp = handler.headers.get("X-Tocsin-Timestamp", "")
        given = handler.headers.get("X-Tocsin-Signature", "")
        verified = secret is not None and hmac.compare_digest(
            expected_signature(secret, timestamp, body), given
        )
        answer = self._next_answer(handler.path) if verified else Answer(401, body="bad signature")
        with self._lock:
            self.deliveries.append(
                Delivery(handler.path, dict(handler.headers.items()), body, verified, answer.status)
            )
        if answer.stall:
            self._stopping.wait(STALL_LIMIT)
        payload = answer.body.encode()
        try:
            handler.send_response(answer.status)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client gave up waiting (a timeout test)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver._handle(self)

            def do_GET(self):
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self._server = serve(Handler, self.port)
        return self

    def stop(self) -> None:
        self._stopping.set()
        shut(self._server)
        self._server = None

    def received(self, path: str | None = None) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if path is None or d.path == path]
