"""People's regular expressions (routing rules' `=~` and `!~`), run by RE2.

RE2 matches in time linear in the text, whatever the pattern: `(a+)+b` against a long label
cannot hold the intake for seconds as a backtracking engine (Python's `re`) would. In return it
has no backreferences (`\\1`) and no lookahead or lookbehind (`(?=…)`, `(?!…)`, `(?<=…)`,
`(?<!…)`); such patterns are refused when a rule is saved, and one saved before (when Tocsin
used `re`) makes its rule not match, which the alert's decisions say.

A pattern is at most MAX_LENGTH characters, and RE2 may use at most MAX_MEMORY bytes for one:
a pattern past either is refused too.
"""

import functools
import re

import re2

MAX_LENGTH = 1_000
MAX_MEMORY = 1 << 20  # 1 MiB for each compiled pattern; RE2's own default is 8 MiB

_OPTIONS = re2.Options()
_OPTIONS.max_mem = MAX_MEMORY
_OPTIONS.log_errors = False  # a refused pattern is the person's mistake, not the server's

_BACKREFERENCE = re.compile(r"invalid escape sequence: \\[1-9]")
_LOOKAROUND = re.compile(r"invalid perl operator: \(\?<?[=!]")


class PatternError(ValueError):
    """Why RE2 cannot run a pattern, in words: "missing ): (prod"."""


def _explain(error: re2.error) -> str:
    reason = error.args[0] if error.args else "not a pattern"
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    if _BACKREFERENCE.search(reason):
        return f"{reason} (Tocsin runs RE2, which has no backreferences)"
    if _LOOKAROUND.search(reason):
        return f"{reason} (Tocsin runs RE2, which has no lookahead or lookbehind)"
    if "pattern too large" in reason:
        return f"{reason}: it needs more than RE2's {MAX_MEMORY // 1024} KiB for one pattern"
    return reason


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str):
    """The compiled pattern, or the PatternError saying why there is none (cached either way:
    a rule's pattern is compiled once, not once per alert)."""
    if len(pattern) > MAX_LENGTH:
        return PatternError(f"it is longer than {MAX_LENGTH:,} characters")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        return PatternError(_explain(error))


def check(pattern: str) -> None:
    """Raise PatternError when RE2 cannot run `pattern`."""
    compiled = _compiled(pattern)
    if isinstance(compiled, PatternError):
        raise compiled


def problem(pattern: str) -> str | None:
    """Why `pattern` cannot run, or None when it can."""
    compiled = _compiled(pattern)
    return str(compiled) if isinstance(compiled, PatternError) else None


def fullmatch(pattern: str, text: str) -> bool:
    """Whether the whole of `text` matches; PatternError if `pattern` cannot run."""
    compiled = _compiled(pattern)
    if isinstance(compiled, PatternError):
        raise compiled
    # Text may carry lone surrogates, which UTF-8 cannot encode: given as bytes, RE2 reads
    # them rather than the encoding failing.
    return compiled.fullmatch(text.encode("utf-8", "surrogatepass")) is not None
