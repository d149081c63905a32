"""`tocsin serve`: gunicorn for the web, and one background worker process beside it."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

# After an unexpected exit the background worker is started again after 1 s, then 2 s, 4 s …
# up to a minute while it keeps failing (database down, say); a worker that ran for a minute
# counts as healthy again.
FIRST_RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 60.0
HEALTHY_AFTER_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


class BackgroundWorker:
    """The `tocsin worker` child of `tocsin serve`: started once the port is bound, restarted
    if it dies, stopped with the server."""

    def __init__(self, log):
        self.log = log
        self.process: subprocess.Popen | None = None
        self.stopping = False
        self.started_at = 0.0
        self.next_start = 0.0
        self.delay = FIRST_RESTART_DELAY_SECONDS

    def check(self) -> None:
        """Called from the arbiter's loop: start the worker, or restart one that died."""
        if self.stopping:
            return
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return
            now = time.monotonic()
            if now - self.started_at >= HEALTHY_AFTER_SECONDS:
                self.delay = FIRST_RESTART_DELAY_SECONDS
            self.log.error(
                "The background worker (pid: %s) exited with code %s; starting it again in %gs.",
                self.process.pid,
                code,
                self.delay,
            )
            self.process = None
            self.next_start = now + self.delay
            self.delay = min(self.delay * 2, MAX_RESTART_DELAY_SECONDS)
        if time.monotonic() >= self.next_start:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tocsin.cli", "worker"],
                env={**os.environ, "TOCSIN_PARENT_PID": str(os.getpid())},
                # Its own process group: Ctrl+C at the terminal reaches only the server, which
                # then asks the worker once to finish its current task and stop. A second
                # signal would make the worker abandon the task half done.
                process_group=0,
            )
            self.started_at = time.monotonic()
            self.log.info("Started the background worker (pid: %s)", self.process.pid)

    def poll(self) -> None:
        """Collect the worker's exit status before gunicorn's catch-all waitpid does."""
        if self.process is not None:
            self.process.poll()

    def terminate(self) -> None:
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.log.warning("The background worker did not stop in time; killing it.")
            self.process.kill()
            self.process.wait()


class _Arbiter(Arbiter):
    """gunicorn's master process, also looking after the background worker."""

    def __init__(self, app, *, with_worker: bool, banner: str):
        super().__init__(app)
        self.background = BackgroundWorker(self.log) if with_worker else None
        self.banner = banner

    def start(self):
        super().start()
        # Printed once the port is bound, so the address shown is one that answers.
        print(self.banner, flush=True)

    def reap_workers(self):
        if self.background is not None:
            self.background.poll()
        super().reap_workers()

    def manage_workers(self):
        super().manage_workers()
        if self.background is not None:
            self.background.check()

    def stop(self, graceful=True):
        # The background worker finishes its task while the web workers finish their requests.
        if self.background is not None:
            self.background.terminate()
        super().stop(graceful)
        if self.background is not None:
            self.background.wait()


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, *, with_worker: bool, banner: str):
        self.options = options
        self.with_worker = with_worker
        self.banner = banner
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        from tocsin.wsgi import application

        return application

    def run(self):
        try:
            _Arbiter(self, with_worker=self.with_worker, banner=self.banner).run()
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            sys.exit(1)


def _banner(host: str, port: int) -> str:
    # A wildcard address is not one to browse to: show the loopback address instead.
    shown_host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    shown_host = f"[{shown_host}]" if ":" in shown_host else shown_host
    local = f"http://{shown_host}:{port}/"
    lines = [f"Tocsin is serving at {local}  (stop with Ctrl+C)"]
    if settings.BASE_URL.rstrip("/") + "/" != local:
        lines.append(f"Its public address (TOCSIN_BASE_URL) is {settings.BASE_URL}/")
    # Where messages go when nothing is set up to send them (no mail server: kept here).
    from tocsin.notify.channels import start_up_notes

    lines += start_up_notes()
    return "\n".join(lines)


def serve(*, host: str, port: int, workers: int, with_worker: bool = True) -> int:
    # WhiteNoise warns about a missing STATIC_ROOT even though files come from the apps.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        # Intake, calendar and acknowledge URLs carry their secret: it is not logged.
        "logger_class": "tocsin.security.logs.RedactingLogger",
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "tocsin",
        # Whether a request came over HTTPS is Django's to decide, from X-Forwarded-Proto only
        # with TOCSIN_BEHIND_PROXY; gunicorn would otherwise believe it from any local proxy.
        "secure_scheme_headers": {},
        # A request line (method, path and query) may be 8 KB, as nginx allows by default;
        # gunicorn's own 4 KB refuses long filter queries with a plain-text 414.
        "limit_request_line": 8190,
        # gunicorn's control socket lives at one path per user: two servers would fight over it.
        "control_socket_disable": True,
    }
    _Gunicorn(options, with_worker=with_worker, banner=_banner(host, port)).run()
    return 0
