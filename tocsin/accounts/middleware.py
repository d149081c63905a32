import zoneinfo

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from tocsin.http import database_unavailable


class UserTimezoneMiddleware:
    """Show times in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            user = getattr(request, "user", None)
            signed_in = user is not None and user.is_authenticated
        except (OperationalError, InterfaceError) as error:
            # The first look at the session: answered here, as the views' errors are.
            return database_unavailable(request, error)
        if signed_in:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
