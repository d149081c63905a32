"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps what it receives, for the tests."""

import asyncio
import email
import email.policy
import re
import threading
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from .live import free_port

# How long a stalled RCPT TO waits for `release()` at most: only a broken test gets there.
STALL_LIMIT = 30.0


class Mailbox:
    """An SMTP server on 127.0.0.1; `refuse` and `stall` make chosen recipients misbehave."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply to RCPT TO, e.g. "550 …"
        self.stalled: set[str] = set()  # addresses whose RCPT TO is answered only on release()
        self.unanswered: set[str] = set()  # stalled RCPT TOs waiting for their answer right now
        self._released = threading.Event()
        self._lock = threading.Lock()
        self.controller = None

    def stall(self, address: str) -> None:
        """Leave RCPT TO for `address` unanswered until `release()`, then answer 451."""
        self.stalled.add(address)

    def release(self) -> None:
        self._released.set()

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.stalled:
            with self._lock:
                self.unanswered.add(address)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + STALL_LIMIT
            while not self._released.is_set() and loop.time() < deadline:
                await asyncio.sleep(0.02)
            with self._lock:
                self.unanswered.discard(address)
            return "451 4.3.0 took too long"
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 2.0.0 Message accepted for delivery"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.release()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def ack_path(message) -> str:
    """The path of the acknowledge link in a received page e-mail."""
    link = re.search(r"https?://[^/\s]+/ack/[^\s\"<>]+/", text_of(message))
    assert link, "no acknowledge link in the e-mail"
    return urlsplit(link.group(0)).path
