"""Asking an alert source's parser about a payload it must refuse."""

import pytest

from tocsin.alerting.sources import PayloadError


def refused(parse, payload) -> PayloadError:
    """The PayloadError `parse(payload)` raises (the test fails if it raises none)."""
    with pytest.raises(PayloadError) as error:
        parse(payload)
    return error.value
