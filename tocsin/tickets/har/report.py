"""What was removed from a HAR file: counted by category, in the words a support agent reads."""

from collections import Counter
from dataclasses import dataclass, field

# Every category, in the order the summary lists them: key -> (singular, plural).
CATEGORIES: dict[str, tuple[str, str]] = {
    "cookie": ("cookie", "cookies"),
    "cookie header": ("Cookie header", "Cookie headers"),
    "set-cookie header": ("Set-Cookie header", "Set-Cookie headers"),
    "authorization header": ("Authorization header", "Authorization headers"),
    "proxy-authorization header": ("Proxy-Authorization header", "Proxy-Authorization headers"),
    "secret header": ("secret header", "secret headers"),
    "query string token": ("token in a query string", "tokens in query strings"),
    "url credentials": ("URL with credentials", "URLs with credentials"),
    "password field": ("password field", "password fields"),
    "payment card field": ("payment card field", "payment card fields"),
    "secret field": ("secret field", "secret fields"),
    "bearer token": ("Bearer token", "Bearer tokens"),
    "jwt": ("JWT", "JWTs"),
}


def describe(category: str, count: int) -> str:
    """'1 cookie', '12 cookies', '2 tokens in query strings'."""
    singular, plural = CATEGORIES[category]
    return f"{count} {singular if count == 1 else plural}"


class Tally:
    """The secrets removed from one request and its response.

    A HAR file records some values twice (the URL and `queryString`, `postData.text` and
    `postData.params`, the `Location` header and `redirectURL`): the same value removed twice
    from one entry under one category counts once.
    """

    def __init__(self) -> None:
        self._values: dict[str, set[str]] = {}
        self.secrets: set[str] = set()

    def found(self, category: str, value: object) -> None:
        assert category in CATEGORIES, category
        self._values.setdefault(category, set()).add(str(value))
        self.remember(value)

    def remember(self, secret: object) -> None:
        """A removed value, to be removed too wherever else the file repeats it."""
        self.secrets.add(str(secret))

    def counts(self) -> Counter:
        return Counter({category: len(values) for category, values in self._values.items()})


@dataclass(frozen=True)
class RedactionReport:
    """How many secrets of each category were removed, in CATEGORIES order, zeros left out."""

    counts: dict[str, int] = field(default_factory=dict)
    entries: int = 0

    @classmethod
    def from_counts(cls, counts: Counter, *, entries: int) -> "RedactionReport":
        ordered = {category: counts[category] for category in CATEGORIES if counts[category]}
        return cls(counts=ordered, entries=entries)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """'12 cookies, 3 Authorization headers, 1 password field', or 'nothing removed'."""
        if not self.counts:
            return "nothing removed"
        return ", ".join(describe(category, count) for category, count in self.counts.items())

    def as_dict(self) -> dict:
        """JSON-able, to keep beside the stored file."""
        return {
            "counts": dict(self.counts),
            "total": self.total,
            "entries": self.entries,
            "summary": self.summary(),
        }
