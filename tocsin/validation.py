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
            f"the {field.replace('_', ' ')} is longer than {max_length} characters", field=field
        )
    return value
