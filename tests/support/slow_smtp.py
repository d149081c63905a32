"""A mail server on 127.0.0.1 that misbehaves after it took the message: raw SMTP over a socket,
so a test chooses exactly what happens between the end of DATA and the reply to it.

    server = SlowSmtp(mode="late")   # stores the message, answers 250 only after the client left
    server.mode = "trickle"          # stores it, then sends "250-" continuation lines forever
    server.mode = "hang_up"          # stores it, then closes the connection without a word
    server.mode = "refuse"           # stores nothing, answers the message with 451
    server.mode = "silent_rcpt"      # never answers RCPT TO: the message is never handed over
    server.mode = "answer"           # behaves: 250 at once

Each wait ends when the client goes away (or after HOLD_LIMIT, which only a broken test reaches),
so nothing here sleeps a fixed time.
"""

import email
import email.policy
import socketserver
import threading

HOLD_LIMIT = 30.0
TRICKLE_EVERY = 0.05


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        server: SlowSmtp = self.server.owner
        self.wfile.write(b"220 slow.example ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 slow.example\r\n")
            elif verb == b"RCPT" and server.mode == "silent_rcpt":
                self._until_gone()
                return
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.wfile.write(b"250 2.0.0 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                if not self._message(server):
                    return
            elif verb == b"QUIT":
                self.wfile.write(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.wfile.write(b"500 5.5.2 What?\r\n")

    def _message(self, server) -> bool:
        """Read the message up to its final dot and answer as the mode says; False to hang up."""
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        mode = server.mode
        if mode == "refuse":
            self.wfile.write(b"451 4.3.0 Try again later\r\n")
            return True
        server.store(b"".join(lines))
        if mode == "answer":
            self.wfile.write(b"250 2.0.0 Queued\r\n")
            return True
        if mode == "hang_up":
            return False
        if mode == "trickle":
            self._trickle()
            return False
        self._until_gone()  # "late": the answer would come after the client stopped waiting
        return False

    def _until_gone(self):
        self.connection.settimeout(HOLD_LIMIT)
        try:
            while self.connection.recv(1024):
                pass
        except OSError:
            pass

    def _trickle(self):
        stop = threading.Event()
        for _ in range(int(HOLD_LIMIT / TRICKLE_EVERY)):
            try:
                self.wfile.write(b"250-still working on it\r\n")
                self.wfile.flush()
            except OSError:
                return
            stop.wait(TRICKLE_EVERY)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SlowSmtp:
    def __init__(self, mode: str = "late"):
        self.mode = mode
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def store(self, raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)

    def start(self) -> "SlowSmtp":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
