"""`tocsin serve`: gunicorn for the web, and one worker process beside it."""

import subprocess
import sys

from django.conf import settings
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from tocsin.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int, with_worker: bool = True) -> int:
    worker = None
    if with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "tocsin.cli", "worker"])
    print(
        f"Tocsin is serving on http://{host}:{port}/ (public URL {settings.BASE_URL})", flush=True
    )
    try:
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": max(1, workers),
                "worker_class": "gthread",
                "threads": 4,
                "timeout": 30,
                "graceful_timeout": 10,
                "accesslog": "-",
                "errorlog": "-",
                "loglevel": "info",
                "proc_name": "tocsin",
            }
        ).run()
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0
