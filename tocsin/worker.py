"""The background worker: runs queued tasks from the database."""

import ctypes
import os
import signal
import socket
import sys

from django.core.management import call_command

_PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """Under `tocsin serve`, stop when the server dies, even if it is killed outright."""
    parent = os.environ.pop("TOCSIN_PARENT_PID", "")
    if not parent.isdigit() or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != int(parent):  # the server died before the line above ran
        sys.exit(0)


def run_worker(*, interval: float = 1.0) -> None:
    _stop_with_parent()
    worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
    call_command(
        "db_worker",
        queue_name="*",
        interval=interval,
        worker_id=worker_id,
        startup_delay=False,
        verbosity=1,
    )
