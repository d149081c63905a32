"""The one time zone rule: a person sees times in the zone of their profile, and it is named."""

import zoneinfo

UTC = zoneinfo.ZoneInfo("UTC")


def zone_of(user) -> zoneinfo.ZoneInfo:
    """The person's own time zone; UTC for nobody (a team's list) or a zone that is gone."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user and user.time_zone else UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC
