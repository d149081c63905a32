"""Durations as the metrics page says them: precise enough to compare two medians."""

from datetime import timedelta


def spoken(value: timedelta | None) -> str:
    """ "45 s", "3 min 48 s", "1 h 51 min", "2 d 3 h"; rounded to the second; "—" for none."""
    if value is None:
        return "—"
    seconds = max(round(value.total_seconds()), 0)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"
