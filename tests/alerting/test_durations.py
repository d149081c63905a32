"""Durations typed in forms and on the command line: 30s, 5m, 1h30m, or a bare number."""

from datetime import timedelta

import pytest

from tocsin.alerting.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", timedelta(seconds=30)), ("5", timedelta(minutes=5)), ("1h30m", timedelta(hours=1.5))],
)
def test_a_duration_is_read_in_its_units(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["٣", "٣m", "²", "1h٣m", "", "soon"])
def test_digits_other_than_ascii_are_not_a_duration(text):
    with pytest.raises(ValueError, match="duration such as 30s"):
        parse_duration(text)
