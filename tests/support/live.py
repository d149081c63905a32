"""A real Tocsin for end-to-end tests: `tocsin serve` and `tocsin worker` in subprocesses, on a
data directory of its own and, when the suite runs on PostgreSQL (TOCSIN_DATABASE_URL), a
database of its own.

    tocsin = LiveTocsin(tmp_path, name="alertmanager")   # migrated, empty
    tokens = tocsin.python(SETUP_CODE)                   # Django code run in that instance
    tocsin.cli("demo")                                   # the `tocsin` command, on that instance
    server = tocsin.serve(workers=2)                     # answers at server.url
    worker = tocsin.worker("worker-1")                   # a `tocsin worker` of its own
    tocsin.rows("SELECT count(*) FROM alerting_alert")   # read its database directly
    tocsin.close()                                       # stops them all, drops the database

Tests that use it carry the `processes` marker. Nothing here waits for a fixed time: `wait_for`
polls a condition up to a generous deadline, which only a broken test ever reaches.
"""

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

TOCSIN = str(Path(sys.executable).with_name("tocsin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.2, what: str = ""):
    """Poll `condition()` until it returns something truthy; return that. Fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


def suite_database_url() -> str:
    return os.environ.get("TOCSIN_DATABASE_URL", "")


def on_postgres() -> bool:
    return suite_database_url().startswith(("postgres://", "postgresql://"))


def _maintenance(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


class Process:
    """A subprocess whose output (stdout and stderr) goes to a log file."""

    def __init__(self, argv, *, env: dict, cwd: Path, log: Path):
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                list(argv),
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text()

    def assert_running(self) -> None:
        assert self.process.poll() is None, f"{self.log.stem} exited:\n{self.output()}"

    def wait_until_answering(self, url: str, *, timeout: float = 30.0) -> None:
        """Poll `url` until it answers 200; fail if the process exits first, or at the deadline."""

        def answers() -> bool:
            self.assert_running()
            try:
                return httpx.get(url, timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answers, timeout=timeout, interval=0.1, what=f"{self.log.stem} to answer {url}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` (once) and wait; kill it if it is still there 20 s later. Its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the process dies where it stands, as in a crash."""
        self.stop(signal.SIGKILL)


class LiveTocsin:
    """A migrated Tocsin instance on disk, ready to be served.

    On PostgreSQL its database is `tocsin_live_<name>_<pid>` on the suite's server (or on
    `postgres_url`, a server of the test's own), created fresh here from a migrated template and
    dropped by `close()`; the pid keeps parallel runs apart. On SQLite its data directory starts
    as a copy of a migrated one.
    """

    def __init__(self, data_dir: Path, *, name: str, postgres_url: str | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TOCSIN_") and k != "DJANGO_SETTINGS_MODULE"
        }
        self.env.update(
            TOCSIN_DATA_DIR=str(self.data_dir),
            TOCSIN_SECRET_KEY="live-" + "x" * 50,
            DJANGO_SETTINGS_MODULE="tocsin.settings",
        )
        self.database_url = ""
        self.postgres_url = postgres_url or (suite_database_url() if on_postgres() else "")
        if self.postgres_url:
            # A database name is an SQL identifier: anything but letters, digits and _ goes.
            identifier = re.sub(r"\W", "_", name)
            database = f"tocsin_live_{identifier}_{os.getpid()}"
            template = _migrated_template(self.env, self.postgres_url)
            with _maintenance(self.postgres_url) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {database} TEMPLATE {template}")
            parts = urlsplit(self.postgres_url)
            self.database_url = urlunsplit(parts._replace(path=f"/{database}"))
            self.env["TOCSIN_DATABASE_URL"] = self.database_url
        else:
            shutil.copytree(_migrated_template(self.env, ""), self.data_dir, dirs_exist_ok=True)
        self.processes: list[Process] = []

    def run(self, *argv: str, env: dict | None = None, timeout: float = 60):
        """Run `argv` to its end in this instance's environment (plus `env`)."""
        return subprocess.run(
            argv,
            env={**self.env, **(env or {})},
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def cli(self, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
        """The installed `tocsin` command, as a person would type it on this instance."""
        return self.run(TOCSIN, *argv, env=env)

    def python(self, code: str):
        """Run `code` with Django set up against this instance; return what it `emit()`s."""
        script = (
            "import json, django\n"
            "django.setup()\n"
            "def emit(value):\n"
            "    print('\\n' + json.dumps(value))\n" + textwrap.dedent(code)
        )
        result = self.run(sys.executable, "-c", script)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def serve(self, *, workers: int = 2, with_worker: bool = True) -> "Server":
        server = Server(self, workers=workers, with_worker=with_worker)
        self.processes.append(server)
        server.wait_until_ready()
        return server

    def worker(self, name: str, argv=(TOCSIN, "worker")) -> "Worker":
        """A worker process (`tocsin worker` unless told otherwise), not yet known to be up."""
        worker = Worker(self, name, argv)
        self.processes.append(worker)
        return worker

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read this instance's database; write `%s` placeholders for both engines."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()
        conn = sqlite3.connect(self.data_dir / "tocsin.sqlite3", timeout=20)
        try:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()

    def value(self, sql: str, params: tuple = ()):
        [[value]] = self.rows(sql, params)
        return value

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        if self.database_url:
            database = urlsplit(self.database_url).path.lstrip("/")
            with _maintenance(self.postgres_url) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


_TEMPLATES: dict[str, str] = {}


def _migrated_template(env: dict, postgres_url: str) -> str:
    """A database that `tocsin migrate` has run on, once per test process and server: a data
    directory to copy on SQLite, a template database on PostgreSQL. Migrating takes about 14 s;
    copying it, a fraction of one."""
    if postgres_url in _TEMPLATES:
        return _TEMPLATES[postgres_url]
    data_dir = Path(tempfile.mkdtemp(prefix="tocsin-live-template-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    env = {**env, "TOCSIN_DATA_DIR": str(data_dir)}
    template = str(data_dir)
    if postgres_url:
        template = f"tocsin_live_template_{os.getpid()}"
        with _maintenance(postgres_url) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {template}")
        parts = urlsplit(postgres_url)
        env["TOCSIN_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{template}"))
        atexit.register(_drop_database, postgres_url, template)
    migrate = subprocess.run(
        [TOCSIN, "migrate", "-v", "0"],
        env=env,
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert migrate.returncode == 0, migrate.stderr
    _TEMPLATES[postgres_url] = template
    return template


def _drop_database(postgres_url: str, database: str) -> None:
    # At exit the server may already be gone (a test's own, stopped by its fixture).
    with contextlib.suppress(Exception), _maintenance(postgres_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


WORKER_STARTED = re.compile(r"Started the background worker \(pid: (\d+)\)")


class Server(Process):
    """A `tocsin serve` subprocess; its log holds an access log line per request."""

    def __init__(self, instance: LiveTocsin, *, workers: int, with_worker: bool):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [TOCSIN, "serve", "--port", str(self.port), "--workers", str(workers)]
        if not with_worker:
            argv.append("--no-worker")
        super().__init__(
            argv,
            env={**instance.env, "TOCSIN_BASE_URL": self.url},
            cwd=instance.data_dir,
            log=instance.data_dir / f"serve-{self.port}.log",
        )

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        self.wait_until_answering(f"{self.url}/admin/login/", timeout=timeout)

    def worker_pids(self) -> list[int]:
        """The background workers it has started so far, oldest first."""
        return [int(pid) for pid in WORKER_STARTED.findall(self.output())]

    def worker_pid(self) -> int:
        """Its background worker (the latest), once started."""
        pids = wait_for(self.worker_pids, timeout=10, interval=0.1, what="the background worker")
        return pids[-1]


class Worker(Process):
    """A worker process of a LiveTocsin; its output in <name>.log."""

    def __init__(self, instance: LiveTocsin, name: str, argv):
        super().__init__(
            argv, env=instance.env, cwd=instance.data_dir, log=instance.data_dir / f"{name}.log"
        )
        # What it writes in claimed_by (tocsin.notify.delivery.loop.worker_id).
        self.id = f"{socket.gethostname()}-{self.process.pid}"[:100]

    def wait_until_started(self) -> None:
        def started():
            self.assert_running()
            return "started" in self.output()

        wait_for(started, timeout=60, what=f"{self.log.stem} to start")
