"""HAR files attached to support tickets, without their secrets (docs/tickets.md, "HAR files:
what Tocsin removes").

    result = redact_har(data)        # Redacted(content: bytes, report: RedactionReport)
    result.report.summary()          # "12 cookies, 3 Authorization headers, 1 password field"

Pure: no database, no network, the standard library only.
"""

from .parsing import MAX_BYTES, MAX_DEPTH, InvalidHar
from .redaction import Redacted, redact_har
from .report import CATEGORIES, RedactionReport
from .text import REDACTED

__all__ = [
    "CATEGORIES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "REDACTED",
    "InvalidHar",
    "Redacted",
    "RedactionReport",
    "redact_har",
]
