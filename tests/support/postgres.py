"""A PostgreSQL server of a test's own, that the test may stop and start: a real database
outage, not a mocked exception.

    server = OwnPostgres(tmp_path / "pg")   # initdb'd and started on a free port
    server.url                              # postgres://postgres@127.0.0.1:<port>/postgres
    server.stop(); server.start()           # the outage, and the recovery
    server.close()                          # stopped, files removed

The server runs as the `postgres` system user (PostgreSQL refuses to run as root). Tests that
use it carry the `processes` marker and are skipped only where PostgreSQL is not installed.
"""

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from .live import free_port


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class OwnPostgres:
    def __init__(self, directory: Path):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL's server binaries are not installed")
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.sockets = self.directory / "sockets"
        self.log = self.directory / "postgres.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.sockets.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        self._as_postgres_owner(self.directory)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    def _as_postgres_owner(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        account = pwd.getpwnam("postgres")
        for item in [path, *path.rglob("*")]:
            os.chown(item, account.pw_uid, account.pw_gid)
        # The parents must at least be traversable by the postgres user.
        for parent in path.parents:
            if parent == Path("/"):
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o011)

    def _run(self, tool: str, *argv: str) -> None:
        command = [str(self.bin / tool), *argv]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{tool} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.sockets} "
            "-c fsync=off -c max_connections=50"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: connected clients are cut off, as when a server goes down."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def start_if_stopped(self) -> None:
        if not self.running():
            self.start()

    def close(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
