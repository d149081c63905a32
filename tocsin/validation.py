"""Checks of typed-in text that the services of several apps share."""

from tocsin.errors import ValidationFailed


def clean_text(
    value: str | None, *, field: str, max_length: int, missing: str | None = None
) -> str:
    """`value` without surrounding white space, at most `max_length` characters long.

    With `missing` (what to say, e.g. "give the rule a name") an empty value is refused too.
    """
    value = (value or "").strip()
    if missing and not value:
        raise ValidationFailed(missing, field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            f"the {field.replace('_', ' ')} is longer than {max_length:,} characters", field=field
        )
    return value


def whole_number(text: str) -> int | None:
    """ "42" → 42; anything else → None.

    Only ASCII digits count ("²" and "٣" are digits to `str.isdigit` and `int`), and at most 18
    of them, so the number fits every database's 64-bit integer column.
    """
    text = text.strip()
    if not (0 < len(text) <= 18 and text.isascii() and text.isdigit()):
        return None
    return int(text)
