"""Secret URLs stay out of the logs.

An integration's intake URL, a calendar feed and an acknowledge link carry their secret in the
path, and a path appears in gunicorn's access log (the request line and the referrer) and in
Django's warnings about refused requests ("Not Found: /ack/…/"). Both are redacted here:
`/api/v1/integrations/[redacted]/alertmanager`, `/calendars/people/[redacted].ics`,
`/ack/[redacted]/`. (The PagerDuty-compatible `/v2/enqueue` carries its key in the body, which
is never logged.)
"""

import logging
import re

from gunicorn.glogging import Logger, SafeAtoms

REDACTED = "[redacted]"

# A path segment: up to the next slash, query, space or quote (both logs quote the path).
_SEGMENT = r"""[^/?#\s"']+"""
_SECRET_PATHS = re.compile(
    # The intake's token; the API's own /api/v1/integrations/<id> keep their number.
    rf"(?P<intake>/api/v1/integrations/)(?!\d{{1,19}}(?:[/?#\s\"']|$)){_SEGMENT}"
    rf"|(?P<calendar>/calendars/(?:schedules|people)/)[^/?#\s\"'.]+"
    rf"|(?P<ack>/ack/){_SEGMENT}"
)


def redact(text: str) -> str:
    """`text` with the secret of every secret URL in it replaced by [redacted]."""
    if "/" not in text:
        return text
    return _SECRET_PATHS.sub(lambda m: next(g for g in m.groups() if g) + REDACTED, text)


class RedactSecretUrls(logging.Filter):
    """A logging filter: the record's message, redacted (Django's LOGGING, every handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class _RedactedAtoms(SafeAtoms):
    def __getitem__(self, key):
        value = super().__getitem__(key)
        return redact(value) if isinstance(value, str) else value


class RedactingLogger(Logger):
    """gunicorn's logger, redacting every value its access log line shows."""

    atoms_wrapper_class = _RedactedAtoms
