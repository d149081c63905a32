"""Percentiles by linear interpolation between closest ranks.

For sorted values x[0] … x[n-1], the q-th percentile (0 ≤ q ≤ 1) is read at rank h = (n − 1)·q:
x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). It is the method of Python's
`statistics.quantiles(method="inclusive")` and numpy's default (`linear`); the median is the
50th percentile, the middle value for an odd count and the mean of the two middle values for an
even one. Never extrapolated: the result always lies between the smallest and largest value.
"""

import math
from collections.abc import Sequence
from datetime import timedelta

METHOD = "linear interpolation between closest ranks (as statistics.quantiles, method='inclusive')"


def percentile(values: Sequence[timedelta], q: float) -> timedelta | None:
    """The q-th percentile (0 ≤ q ≤ 1) of `values`; None when there are none."""
    if not 0 <= q <= 1:
        raise ValueError(f"a percentile is between 0 and 1, not {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    fraction = rank - low
    # In microseconds, integers: exact for every count, no float rounding of the durations.
    low_us = _microseconds(ordered[low])
    high_us = _microseconds(ordered[high])
    return timedelta(microseconds=round(low_us + (high_us - low_us) * fraction))


def median(values: Sequence[timedelta]) -> timedelta | None:
    return percentile(values, 0.5)


def p90(values: Sequence[timedelta]) -> timedelta | None:
    return percentile(values, 0.9)


def _microseconds(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
