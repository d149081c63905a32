"""Reading pages as a person reads them, and posting forms as a browser posts them."""

import html
import re

# The public address the tests give Tocsin (settings.BASE_URL), where links are checked.
BASE_URL = "https://tocsin.example.org"


def body(response) -> str:
    return response.content.decode()


def page_text(response) -> str:
    """What a person reads: the page without tags, entities decoded, spaces collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body(response), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def form_errors(response) -> list[str]:
    """The error messages a form shows beside its fields."""
    return [
        html.unescape(error)
        for error in re.findall(r'<p class="error"[^>]*>(.*?)</p>', body(response))
    ]


def formset(prefix: str, rows: list[dict]) -> dict:
    """A Django formset as the browser posts it: the management form, then each row's fields."""
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": len(rows),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 20,
    }
    for index, row in enumerate(rows):
        for field, value in row.items():
            data[f"{prefix}-{index}-{field}"] = value
    return data
