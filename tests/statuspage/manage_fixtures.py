"""What the management pages' tests share: reading a page's forms, and the posts of a viewer."""

import re

FORM_ACTIONS = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"')


def post_forms(html: str) -> list[str]:
    """The actions of the page's POST forms, but signing out (which everybody has)."""
    return [action for action in FORM_ACTIONS.findall(html) if action != "/logout/"]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]
