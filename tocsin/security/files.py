"""The data directory and what Tocsin keeps in it (the SQLite database, the generated secret
key) are readable by their owner only, from the moment they are created: the mode is given to
mkdir and open, so there is no moment in which another user could open them."""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600

# The example in docs/configuration.md and docs/deployment.md, and anything like it.
PLACEHOLDER_PREFIX = "change-me"
MIN_KEY_LENGTH = 50
MIN_KEY_CHARACTERS = 5  # different characters, as Django's own deployment check asks
GENERATE = 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'


def private_directory(path: Path) -> Path:
    """Create `path` (and its parents) if missing; the directory itself is 0700."""
    path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    return path


def create_private_file(path: Path, content: str = "") -> bool:
    """Create `path` as 0600 holding `content`, unless it exists; True if this call created it.

    The content is written to a private temporary file first and linked into place, so when
    several processes start at once the first one wins and nobody reads a half-written file.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(content)
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
    return True


def private_sqlite_file(database: dict) -> None:
    """Create an SQLite database file as 0600 before SQLite does (with 0644).

    An empty file is a valid empty database, and SQLite gives the -wal, -shm and -journal
    files beside it the database file's permissions.
    """
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    name = str(database["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(path)


def checked_secret_key(key: str, *, source: str) -> str:
    """`key`, or ImproperlyConfigured saying why it may not sign anything."""
    if key.strip().lower().startswith(PLACEHOLDER_PREFIX):
        raise ImproperlyConfigured(
            f"{source} is the example from the documentation; set it to a secret of your own, "
            f"for example the output of {GENERATE}"
        )
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_KEY_CHARACTERS:
        raise ImproperlyConfigured(
            f"{source} is too weak: use at least {MIN_KEY_LENGTH} characters, and at least "
            f"{MIN_KEY_CHARACTERS} different ones, for example the output of {GENERATE}"
        )
    return key


def secret_key(data_dir: Path) -> str:
    """TOCSIN_SECRET_KEY, or a key generated once and kept in the data directory (0600)."""
    if key := os.environ.get("TOCSIN_SECRET_KEY"):
        return checked_secret_key(key, source="TOCSIN_SECRET_KEY")
    path = data_dir / "secret_key"
    if create_private_file(path, secrets.token_urlsafe(MIN_KEY_LENGTH)):
        return path.read_text().strip()
    return checked_secret_key(path.read_text().strip(), source=f"The key in {path}")
