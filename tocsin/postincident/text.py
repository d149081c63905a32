"""The check of typed-in text that the post-incident sub-packages share."""

from tocsin.errors import ValidationFailed


def clean_long_text(value, *, field: str, limit: int, required: bool = False) -> str:
    """`value` as text with Unix line ends and no surrounding white space, at most `limit`
    characters, never a NUL; with `required`, not empty."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text", field=field)
    value = value.replace("\r\n", "\n").strip()
    if "\x00" in value:
        raise ValidationFailed(f"{field} contains a NUL character", field=field)
    if required and not value:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{field} is longer than {limit} characters", field=field)
    return value
