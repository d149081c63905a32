import zoneinfo

from django.db import InterfaceError, OperationalError
from django.shortcuts import redirect, render
from django.utils import timezone

from tocsin.http import database_unavailable, error_response

from .permissions import agent_may_open, is_agent


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


AGENT_REFUSAL = "support agents work on support tickets only"


class AgentScopeMiddleware:
    """A support agent signed in reaches the ticket pages and their own account, nothing else:
    not incidents, alerts or the on-call set-up (tocsin.accounts.permissions `agent_may_open`).
    API tokens are checked the same way where the API authenticates them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if is_agent(user) and not agent_may_open(request.path):
            if request.path.startswith("/api/"):
                return error_response(403, "permission_denied", AGENT_REFUSAL)
            if request.path == "/" or request.method == "GET" and request.path == "/incidents/":
                return redirect("ticket-list")
            return render(request, "403.html", {"exception": AGENT_REFUSAL}, status=403)
        return self.get_response(request)
