"""What the benchmarks share: a `tocsin serve` on a fresh database, /proc readings, the report.

The scripts import it as `common`: run from the repository root as `bench/<script>.py`, their
own folder is first on `sys.path`.
"""

import argparse
import contextlib
import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

TOCSIN = str(Path(sys.executable).with_name("tocsin"))
HEADERS = {"Content-Type": "application/json", "User-Agent": "tocsin-bench"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Deployment:
    """A Tocsin on a fresh database, served by `tocsin serve`.

    On PostgreSQL the database `{DB_PREFIX}<pid>` is created fresh and dropped by `stop`.
    """

    DB_PREFIX = "tocsin_bench_"

    def __init__(self, *, database: str, postgres_url: str, workdir: Path, **env: str):
        self.database = database
        self.data_dir = workdir / database
        self.data_dir.mkdir()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TOCSIN_") and k != "DJANGO_SETTINGS_MODULE"
        }
        self.env.update(
            TOCSIN_DATA_DIR=str(self.data_dir),
            TOCSIN_SECRET_KEY="bench-" + "x" * 50,
            DJANGO_SETTINGS_MODULE="tocsin.settings",
            **env,
        )
        self.postgres_url = postgres_url
        self.database_url = ""
        self.db_name = ""
        if database == "postgres":
            self.db_name = f"{self.DB_PREFIX}{os.getpid()}"
            self._admin(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
            self._admin(f"CREATE DATABASE {self.db_name}")
            self.database_url = urlunsplit(urlsplit(postgres_url)._replace(path=f"/{self.db_name}"))
            self.env["TOCSIN_DATABASE_URL"] = self.database_url
        self.process = None

    def serve(
        self, workers: int, *options: str, settle: float = 0.0, program=(TOCSIN, "serve"), env=None
    ) -> None:
        """Start `tocsin serve` (or `program`, which takes the same --port and --workers) and
        wait until it answers, then `settle` seconds more."""
        self.port = free_port()
        argv = [*program, "--port", str(self.port), "--workers", str(workers), *options]
        name = ["tocsin", "serve"] if program[0] == TOCSIN else [Path(program[-1]).name]
        self.command = " ".join([*name, *argv[len(program) + 2 :]])  # without the port
        self.log = self.data_dir / ("serve.log" if program[0] == TOCSIN else "floor.log")
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                argv,
                env={**self.env, **(env or {})},
                cwd=self.data_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_until_ready(settle)

    def _admin(self, sql: str) -> None:
        import psycopg

        url = urlunsplit(urlsplit(self.postgres_url)._replace(path="/postgres"))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    def _run(self, *argv) -> str:
        result = subprocess.run(
            argv, env=self.env, cwd=self.data_dir, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            sys.exit(f"{' '.join(argv[:2])} failed:\n{result.stderr}")
        return result.stdout

    def _wait_until_ready(self, settle: float) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"tocsin serve exited:\n{self.log.read_text()}")
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/admin/login/")
                if conn.getresponse().status == 200:
                    conn.close()
                    time.sleep(settle)
                    return
            time.sleep(0.2)
        sys.exit(f"tocsin serve did not answer in 30 s:\n{self.log.read_text()}")

    def connect(self):
        """A connection to the served database, for reading; `rows` takes it."""
        if self.database_url:
            import psycopg

            return psycopg.connect(self.database_url, autocommit=True)
        return sqlite3.connect(self.data_dir / "tocsin.sqlite3", timeout=30)

    def rows(self, sql: str, conn=None) -> list[tuple]:
        if conn is not None:
            return conn.execute(sql).fetchall()
        conn = self.connect()
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def role(self, cmdline: str | None) -> str:
        """What a process below the server's master does; `cmdline` None when it is gone."""
        return "worker" if " worker" in (cmdline or "") else "web"

    def processes(self) -> dict[int, str]:
        """{pid: role} of the server and every process below it."""
        found = {self.process.pid: "master"}
        frontier = [self.process.pid]
        while frontier:
            pid = frontier.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with contextlib.suppress(OSError):
                    for child in (task / "children").read_text().split():
                        found[int(child)] = self.role(_cmdline(Path(f"/proc/{child}")))
                        frontier.append(int(child))
        return found

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by the server's processes, by role, and on
        PostgreSQL by the database's backends serving it."""
        used: dict[str, float] = defaultdict(float)
        for (role, _), seconds in self.cpu_by_process().items():
            used[role] += seconds
        return dict(used)

    def cpu_by_process(self) -> dict[tuple[str, int], float]:
        """The same by (role, pid): a difference of two readings taken process by process
        leaves out a process that ended between them instead of going negative."""
        used = {(role, pid): _cpu(pid) for pid, role in self.processes().items()}
        if self.db_name:
            for p in Path("/proc").iterdir():
                if p.name.isdigit() and self.db_name in (_cmdline(p) or ""):
                    used["postgres", int(p.name)] = _cpu(int(p.name))
        return used

    def log_lines(self, needle: str) -> int:
        return sum(needle in line for line in self.log.read_text().splitlines())

    def stop(self) -> None:
        """Stop the server and, on PostgreSQL, drop the database."""
        self.stop_server()
        if self.db_name:
            self._admin(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")

    def stop_server(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _cmdline(proc: Path) -> str | None:
    try:
        return (proc / "cmdline").read_text().replace("\0", " ")
    except OSError:
        return None


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine has spent busy (neither idle nor waiting for I/O), and
    those the hypervisor gave to other guests ("steal")."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:7]) - fields[3] - fields[4]) / tick, fields[7] / tick


def own_cpu() -> float:
    """CPU seconds (user + system) this script has used: the client's share."""
    times = os.times()
    return times.user + times.system


def on_schedule(start: float, count: int, rate: float):
    """The instants `start + i / rate` for i below `count`, each yielded once it has come."""
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield scheduled


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def machine() -> str:
    memory = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    return f"{os.cpu_count()} cores ({model}), {memory / 1024 / 1024:.0f} GiB RAM"


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """--postgres, --no-sqlite, --postgres-url and --workers."""
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TOCSIN_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/",
        help="a PostgreSQL server to create the benchmark's database on "
        "(default TOCSIN_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/)",
    )
    parser.add_argument("--workers", type=int, default=2, help="web processes (default 2)")


def run_each(parser: argparse.ArgumentParser, args, run_one: Callable) -> list[dict]:
    """`run_one(args, database, workdir)` on each database asked for; their rows."""
    databases = ([] if args.no_sqlite else ["sqlite"]) + (["postgres"] if args.postgres else [])
    if not databases:
        parser.error("nothing to run: --no-sqlite without --postgres")
    print(f"machine: {machine()}; Python {sys.version.split()[0]}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-") as workdir:
        for database in databases:
            rows.append(run_one(args, database, Path(workdir)))
    return rows
