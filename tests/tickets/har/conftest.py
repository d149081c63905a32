"""HAR files to redact: hand-written ones (`har`, `entry`), and a real one Chromium records while
a small site on 127.0.0.1 signs a user in (`recorded_har`)."""

import base64
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@pytest.fixture
def entry():
    """entry(url=…, request_headers=[…], …) -> one HAR 1.2 entry, the parts not given empty."""

    def make(
        url="https://shop.example.com/cart",
        *,
        method="GET",
        request_headers=(),
        request_cookies=(),
        query_string=(),
        post_data=None,
        status=200,
        response_headers=(),
        response_cookies=(),
        content=None,
        redirect_url="",
        **extra,
    ):
        request = {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in request_headers],
            "cookies": [{"name": n, "value": v} for n, v in request_cookies],
            "queryString": [{"name": n, "value": v} for n, v in query_string],
            "headersSize": -1,
            "bodySize": -1,
        }
        if post_data is not None:
            request["postData"] = post_data
        return {
            "startedDateTime": "2026-12-07T09:30:00.000Z",
            "time": 12.5,
            "request": request,
            "response": {
                "status": status,
                "statusText": "OK",
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": n, "value": v} for n, v in response_headers],
                "cookies": [{"name": n, "value": v} for n, v in response_cookies],
                "content": content or {"size": 0, "mimeType": "text/plain", "text": ""},
                "redirectURL": redirect_url,
                "headersSize": -1,
                "bodySize": -1,
            },
            "cache": {},
            "timings": {"send": 1, "wait": 10, "receive": 1.5},
            **extra,
        }

    return make


@pytest.fixture
def har():
    """har(entry, …) -> the bytes of a HAR 1.2 file with those entries, as a browser writes it."""

    def make(*entries, **log):
        document = {
            "log": {
                "version": "1.2",
                "creator": {"name": "WebInspector", "version": "537.36"},
                "pages": [],
                "entries": list(entries),
                **log,
            }
        }
        return json.dumps(document, indent=2).encode()

    return make


def make_jwt(payload: dict, key: bytes = b"the shop's signing key") -> str:
    def segment(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = segment(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{segment(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{segment(signature)}"


@pytest.fixture
def jwt() -> str:
    """A signed HS256 JWT for Alice."""
    return make_jwt({"sub": "alice", "name": "Alice Novak", "exp": 1796547600})


# --- A real recording ------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shop</title>
<link rel="icon" href="data:,">
<meta name="csrf-token" content="%(xsrf)s">
</head>
<body>
<p id="status">loading</p>
<form method="post" action="/login">
  <label>User name <input name="username"></label>
  <label>Password <input type="password" name="password"></label>
  <button>Sign in</button>
</form>
<script>
const jwt = "%(jwt)s";
async function run() {
  await fetch("/api/profile", {headers: {Authorization: `Bearer ${jwt}`}});
  const xsrf = document.cookie.split("; ").find((c) => c.startsWith("xsrf_token=")).split("=")[1];
  const session = await fetch("/api/session", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({user: "alice", token: xsrf}),
  });
  const {access_token} = await session.json();
  const items = await fetch(`/api/items?access_token=${access_token}&page=2`);
  await items.json();
  document.getElementById("status").textContent = "ready";
}
run();
</script>
</body>
</html>
"""

WELCOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Welcome</title>
<link rel="icon" href="data:,"></head><body><h1>Welcome, %(user)s</h1></body></html>
"""


@dataclass
class Shop:
    """What the site handed out and what it was sent, to compare with the recording."""

    jwt: str
    password: str = field(default_factory=lambda: secrets.token_hex(12))
    cookies: dict = field(
        default_factory=lambda: {
            "session": secrets.token_hex(16),
            "xsrf_token": secrets.token_hex(16),
            "basket": secrets.token_hex(8),
        }
    )
    access_token: str = field(default_factory=lambda: secrets.token_hex(20))
    url: str = ""
    received: list = field(default_factory=list)

    @property
    def secrets(self) -> dict:
        return {
            **{f"cookie {name}": value for name, value in self.cookies.items()},
            "JWT": self.jwt,
            "password": self.password,
            "access token": self.access_token,
        }


def _handler(shop: Shop):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _headers(self) -> dict:
            return {name.lower(): value for name, value in self.headers.items()}

        def _send(self, body: str, content_type: str, cookies=()):
            payload = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            self.end_headers()
            self.wfile.write(payload)

        def _json(self, document):
            self._send(json.dumps(document), "application/json")

        def do_GET(self):
            shop.received.append(("GET", self.path, self._headers(), ""))
            if self.path == "/":
                cookies = [
                    f"session={shop.cookies['session']}; Path=/; HttpOnly; SameSite=Lax",
                    f"xsrf_token={shop.cookies['xsrf_token']}; Path=/; SameSite=Lax",
                    f"basket={shop.cookies['basket']}; Path=/; Max-Age=3600",
                ]
                page = PAGE % {"jwt": shop.jwt, "xsrf": shop.cookies["xsrf_token"]}
                self._send(page, "text/html; charset=utf-8", cookies)
            elif self.path == "/api/profile":
                self._json({"name": "Alice Novak", "email": "alice@example.com"})
            elif self.path.startswith("/api/items?"):
                self._json({"page": 2, "items": ["blue mug", "red scarf"]})
            else:
                self.send_error(404)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            shop.received.append(("POST", self.path, self._headers(), body))
            if self.path == "/api/session":
                self._json(
                    {"access_token": shop.access_token, "token_type": "Bearer", "expires_in": 3600}
                )
            elif self.path == "/login":
                self._send(WELCOME % {"user": "alice"}, "text/html; charset=utf-8")
            else:
                self.send_error(404)

    return Handler


@pytest.fixture
def shop(jwt):
    """The site on 127.0.0.1: it sets three cookies, and its page's script calls its API."""
    shop = Shop(jwt=jwt)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shop.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield shop
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def recorded_har(browser, shop, tmp_path) -> bytes:
    """The HAR file Chromium writes while Alice opens the shop, its script calls the API, and
    she signs in through the form."""
    from playwright.sync_api import expect

    path = Path(tmp_path) / "shop.har"
    context = browser.new_context(record_har_path=str(path), record_har_content="embed")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"{shop.url}/")
        expect(page.locator("#status")).to_have_text("ready")
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill(shop.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading")).to_have_text("Welcome, alice")
    finally:
        context.close()  # writes the HAR file
    return path.read_bytes()
