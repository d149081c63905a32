"""What several alerting pages share."""

from urllib.parse import urlsplit


def safe_href(url: str) -> str:
    """Links in alerts come from the sender: only http(s) ones become links."""
    try:
        scheme = urlsplit(url or "").scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""
