"""Wake-up calls from the web processes to the workers: work is waiting, start now.

A worker's threads poll for their work (tocsin/worker.py); a wake-up call lets the thread that
a channel names start at once instead. It only ever saves time: a call that is lost (no worker
listening, a worker restarting) costs the wait for the next poll, never the work.

- PostgreSQL: `NOTIFY <channel>`, which the sender issues in the statement that commits the work
  (`notify_sql`), so it is delivered when and only when the work is visible; every worker on
  every machine that `LISTEN`s on the channel hears it.
- SQLite (one machine by nature): a datagram to each worker's socket in
  `<data dir>/wake/<channel>-<pid>.sock`.
"""

import contextlib
import logging
import os
import select
import socket
import threading
from pathlib import Path

from django.conf import settings
from django.db import connection

logger = logging.getLogger("tocsin.worker")

RECONNECT_SECONDS = 2.0


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def notify_sql(channel: str) -> str:
    """SQL that calls `pg_notify` for the channel (PostgreSQL), to select in the statement that
    commits the work."""
    return f"pg_notify('tocsin_{channel}', '')"


def _socket_dir() -> Path:
    return Path(settings.DATA_DIR) / "wake"


_sender: socket.socket | None = None
_sender_lock = threading.Lock()


def notify(channel: str) -> None:
    """Wake the workers listening on `channel` (SQLite; on PostgreSQL see `notify_sql`)."""
    global _sender
    try:
        paths = [p for p in os.scandir(_socket_dir()) if p.name.startswith(f"{channel}-")]
    except FileNotFoundError:
        return
    with _sender_lock:
        if _sender is None:
            _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            _sender.setblocking(False)
        for path in paths:
            try:
                _sender.sendto(b"!", path.path)
            except (BlockingIOError, InterruptedError):
                pass  # its queue is full: it has been woken already
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    os.unlink(path.path)  # a worker that is gone
            except OSError:
                pass


def listen(channel: str, wake: threading.Event, stopping: threading.Event) -> None:
    """Until `stopping`, set `wake` whenever `channel` is called (a worker's thread)."""
    if on_postgres():
        _listen_postgres(channel, wake, stopping)
    else:
        _listen_socket(channel, wake, stopping)


def _listen_socket(channel: str, wake: threading.Event, stopping: threading.Event) -> None:
    directory = _socket_dir()
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / f"{channel}-{os.getpid()}.sock"
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(str(path))
        sock.setblocking(False)
        while not stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 1.0)
            if not readable:
                continue
            with contextlib.suppress(BlockingIOError):
                while sock.recv(64):
                    pass
            wake.set()
    finally:
        sock.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _listen_postgres(channel: str, wake: threading.Event, stopping: threading.Event) -> None:
    import psycopg

    params = connection.get_connection_params()
    while not stopping.is_set():
        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute(f"LISTEN tocsin_{channel}")
                wake.set()  # anything committed while this was not listening
                while not stopping.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        wake.set()
        except psycopg.Error as error:
            logger.info("wake-up channel %s: %s; listening again shortly", channel, error)
            stopping.wait(RECONNECT_SECONDS)
