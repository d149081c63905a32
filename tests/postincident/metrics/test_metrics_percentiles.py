"""Median and p90 by linear interpolation between closest ranks, checked against values
computed by hand and against Python's statistics.quantiles(method="inclusive")."""

import random
import statistics
from datetime import timedelta

import pytest

from tocsin.postincident.metrics.percentiles import median, p90, percentile


def minutes(*values):
    return [timedelta(minutes=v) for v in values]


def test_an_odd_count_has_the_middle_value_as_its_median_and_p90_between_the_top_two():
    values = minutes(20, 2, 10, 4, 6)  # sorted: 2 4 6 10 20
    assert median(values) == timedelta(minutes=6)
    # rank (5 − 1) × 0.9 = 3.6: 10 + 0.6 × (20 − 10) = 16
    assert p90(values) == timedelta(minutes=16)


def test_an_even_count_has_the_mean_of_the_two_middle_values_as_its_median():
    values = minutes(240, 30, 120, 60)  # sorted: 30 60 120 240
    assert median(values) == timedelta(minutes=90)
    # rank 3 × 0.9 = 2.7: 120 + 0.7 × (240 − 120) = 204
    assert p90(values) == timedelta(minutes=204)


def test_two_values_interpolate_and_one_value_is_its_own_median_and_p90():
    assert median(minutes(8, 12)) == timedelta(minutes=10)
    assert p90(minutes(8, 12)) == timedelta(minutes=11, seconds=36)
    assert median(minutes(6)) == p90(minutes(6)) == timedelta(minutes=6)


def test_no_values_have_no_percentile_rather_than_zero():
    assert median([]) is None
    assert p90([]) is None


def test_a_percentile_is_never_extrapolated_beyond_the_values():
    values = minutes(1, 100)
    assert percentile(values, 0) == timedelta(minutes=1)
    assert percentile(values, 1) == timedelta(minutes=100)
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile(values, 90)


@pytest.mark.parametrize("count", [2, 3, 4, 5, 10, 11, 57])
def test_the_method_is_that_of_statistics_quantiles_inclusive(count):
    rng = random.Random(count)
    seconds = [rng.randint(0, 86_400) for _ in range(count)]
    deciles = statistics.quantiles(seconds, n=10, method="inclusive")
    assert p90([timedelta(seconds=s) for s in seconds]).total_seconds() == pytest.approx(
        deciles[8], abs=1e-6
    )
    assert median([timedelta(seconds=s) for s in seconds]).total_seconds() == pytest.approx(
        statistics.median(seconds), abs=1e-6
    )
