"""Stand-ins for what Tocsin talks to on the internet, as HTTP servers on 127.0.0.1 that speak
the documented wire format: `telegram` (the Bot API), `slack` (the Web API and response URLs),
`webhook_receiver` (a receiver as a user would write one from docs/webhooks.md)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(handler: type[BaseHTTPRequestHandler], port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 (`port`, or a free one) answering in a background thread."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def shut(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
