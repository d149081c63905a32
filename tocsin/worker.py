"""The background worker: runs queued tasks from the database."""

import os
import socket

from django.core.management import call_command


def run_worker(*, interval: float = 1.0) -> None:
    worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
    call_command(
        "db_worker",
        queue_name="*",
        interval=interval,
        worker_id=worker_id,
        startup_delay=False,
        verbosity=1,
    )
