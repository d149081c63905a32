"""The files on disk: `<TOCSIN_ATTACHMENT_DIR>/<ticket id>/<sha256>`, readable by their owner
only, written whole (to a temporary name, then linked into place) before the transaction that
records them commits.

A file written for a transaction that rolls back is removed: each written file is pending
until its transaction commits (`transaction.on_commit`), and pending files whose transaction
is over without committing are removed at the end of the request, of `attach()`, or of the
next write in this thread. `sweep()` removes what a killed process left behind: files that no
attachment names, an hour after they were written.
"""

import hashlib
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from django.core.signals import request_finished
from django.db import connection, transaction

from tocsin.security import files

from . import conf

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
# A file nobody names is left alone this long: its transaction may still be running.
ORPHAN_AGE_SECONDS = 3600

_pending = threading.local()


def _pending_paths() -> set[str]:
    if not hasattr(_pending, "paths"):
        _pending.paths = set()
    return _pending.paths


def digest(source) -> tuple[str, int]:
    """(sha256 hex, size) of bytes or of a file read from its start."""
    sha = hashlib.sha256()
    if isinstance(source, bytes | bytearray | memoryview):
        sha.update(source)
        return sha.hexdigest(), len(source)
    source.seek(0)
    size = 0
    while chunk := source.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    source.seek(0)
    return sha.hexdigest(), size


def path_of(stored_as: str) -> Path:
    """The file of `stored_as` (relative to the folder), never outside the folder."""
    root = conf.folder()
    path = (root / stored_as).resolve()
    if not path.is_relative_to(root) or path == root:
        raise ValueError(f"{stored_as!r} is outside the attachment folder")
    return path


def write(ticket_id: int, sha256: str, source) -> str:
    """Store `source` (bytes, or a file read from its start) as the ticket's file of that
    checksum, unless it is there already; the name relative to the folder."""
    remove_rolled_back()
    root = files.private_directory(conf.folder())
    folder = files.private_directory(root / str(int(ticket_id)))
    stored_as = f"{int(ticket_id)}/{sha256}"
    final = folder / sha256
    if final.exists():
        # The same file, attached to this ticket before (or left behind by a killed process):
        # it counts as just written, so sweep() leaves it alone while this transaction runs.
        os.utime(final)
        return stored_as
    temporary = folder / f".{sha256}.{uuid.uuid4().hex}.part"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(source, bytes | bytearray | memoryview):
                out.write(source)
            else:
                source.seek(0)
                while chunk := source.read(CHUNK):
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, final)
        except FileExistsError:
            return stored_as  # written meanwhile by the same ticket's other request
    finally:
        temporary.unlink(missing_ok=True)
    _pending_until_commit(str(final))
    return stored_as


def _pending_until_commit(path: str) -> None:
    pending = _pending_paths()
    pending.add(path)
    transaction.on_commit(lambda: pending.discard(path))


def remove_rolled_back() -> list[str]:
    """Remove the files this thread wrote for transactions that ended without committing."""
    pending = _pending_paths()
    if not pending or connection.in_atomic_block:
        return []
    from tocsin.tickets.models import Attachment

    removed = []
    root = conf.folder()
    for path in sorted(pending):
        stored_as = Path(path).relative_to(root).as_posix() if path.startswith(str(root)) else ""
        if stored_as and Attachment.objects.filter(stored_as=stored_as).exists():
            continue
        Path(path).unlink(missing_ok=True)
        removed.append(path)
    pending.clear()
    return removed


def _after_request(**kwargs) -> None:
    try:
        remove_rolled_back()
    except Exception:  # a request's end must not fail for it; sweep() catches up
        logger.exception("Could not remove the attachment files of a rolled-back request")


request_finished.connect(_after_request, dispatch_uid="tocsin.tickets.attachments.storage")


def sweep(*, older_than: float = ORPHAN_AGE_SECONDS) -> int:
    """Remove files (and leftover partial writes) that no attachment names, once they are
    older than `older_than` seconds; how many were removed."""
    from tocsin.tickets.models import Attachment

    root = conf.folder()
    if not root.is_dir():
        return 0
    limit = time.time() - older_than
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir() or not folder.name.isdigit():
            continue
        for path in folder.iterdir():
            if not path.is_file() or path.stat().st_mtime > limit:
                continue
            stored_as = f"{folder.name}/{path.name}"
            if (
                path.name.startswith(".")
                or not Attachment.objects.filter(stored_as=stored_as).exists()
            ):
                path.unlink(missing_ok=True)
                removed += 1
    return removed
