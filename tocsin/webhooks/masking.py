"""A webhook URL as the delivery log and the list of webhooks show it: credentials masked."""

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


def masked_url(url: str) -> str:
    """The user name, password and every query value replaced by ***; the rest as it is.

    http://ops:hunter2@hooks.example.com/x?api_key=k3y&team=7
    → http://***:***@hooks.example.com/x?api_key=***&team=***
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return MASK
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None or parts.password is not None:
        userinfo = MASK if parts.password is None else f"{MASK}:{MASK}"
        netloc = f"{userinfo}@{netloc}"
    query = "&".join(
        f"{item.split('=', 1)[0]}={MASK}" if "=" in item else MASK
        for item in parts.query.split("&")
        if item
    )
    fragment = MASK if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))
