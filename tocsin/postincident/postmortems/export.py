"""Published post-mortems written into TOCSIN_POSTMORTEM_DIR.

A plain folder gets the file, written atomically (a temporary file in the same folder, then
renamed over the old one). A folder inside a git working tree gets, instead, a commit on the
branch `postmortem/inc-<n>-<slug>` (made from the current HEAD the first time, on top of the
branch afterwards), made with git's plumbing commands and a private index: the checked-out
branch, the index and the working files are never touched, so a team opens a pull request from
that branch in its own git host.
"""

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 30


class ExportFailed(Exception):
    """Writing or committing the file went wrong; the message says what, for the timeline."""


@dataclass(frozen=True)
class Exported:
    path: str
    branch: str = ""
    commit: str = ""


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def git_work_tree(folder: Path) -> Path | None:
    """The top of the git working tree `folder` is in, or None (a `.git` found going up)."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


class Git:
    """`git` run through subprocess in one working tree, with an environment of its own."""

    def __init__(self, top: Path, *, name: str, email: str, index: str):
        self.top = top
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
        self.env.update(
            GIT_INDEX_FILE=index,
            GIT_AUTHOR_NAME=name,
            GIT_AUTHOR_EMAIL=email,
            GIT_COMMITTER_NAME=name,
            GIT_COMMITTER_EMAIL=email,
            GIT_TERMINAL_PROMPT="0",
        )

    def __call__(self, *args: str, text: str | None = None, check: bool = True) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(self.top), *args],
                input=text,
                capture_output=True,
                text=True,
                env=self.env,
                timeout=GIT_TIMEOUT,
            )
        except FileNotFoundError:
            raise ExportFailed("git is not installed (the git command was not found)") from None
        except subprocess.TimeoutExpired:
            raise ExportFailed(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from None
        if check and done.returncode != 0:
            reason = " ".join((done.stderr or done.stdout).split()) or f"exit {done.returncode}"
            raise ExportFailed(f"git {args[0]} failed: {reason}")
        return done.stdout.strip() if done.returncode == 0 else ""


def commit_on_branch(
    top: Path, *, path: str, text: str, branch: str, message: str, name: str, email: str
) -> str:
    """Commit `text` as `path` (relative to `top`) on `branch`; the commit's id."""
    with tempfile.TemporaryDirectory(prefix="tocsin-postmortem-") as private:
        git = Git(top, name=name, email=email, index=str(Path(private) / "index"))
        git("check-ref-format", "--branch", branch)
        ref = f"refs/heads/{branch}"
        old = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        parent = old or git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        blob = git("hash-object", "-w", "--stdin", text=text)
        if parent:
            git("read-tree", parent)
        else:
            git("read-tree", "--empty")
        git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
        tree = git("write-tree")
        if old and git("rev-parse", f"{old}^{{tree}}") == tree:
            return old
        commit = git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message)
        git("update-ref", "-m", "tocsin: post-mortem published", ref, commit, old or "0" * 40)
        return commit


def export_file(
    folder: Path, *, name: str, text: str, branch: str, message: str, author: tuple[str, str]
) -> Exported:
    """Write or commit the file; ExportFailed says what went wrong."""
    top = git_work_tree(folder)
    if top is None:
        try:
            write_atomically(folder / name, text)
        except OSError as error:
            raise ExportFailed(f"could not write {folder / name}: {error.strerror}") from None
        return Exported(path=str(folder / name))
    relative = (folder.resolve() / name).relative_to(top).as_posix()
    commit = commit_on_branch(
        top,
        path=relative,
        text=text,
        branch=branch,
        message=message,
        name=author[0],
        email=author[1],
    )
    return Exported(path=relative, branch=branch, commit=commit)
