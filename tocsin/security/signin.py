"""Sign-in throttling with django-axes: too many failed sign-ins lock the account, and too many
from one client address lock the address, for TOCSIN_SIGN_IN_LOCKOUT_MINUTES.

Axes counts failures per account (AXES_LOCKOUT_PARAMETERS = ["username"], AXES_FAILURE_LIMIT);
`SignInThrottle` adds a count per client address with a limit of its own, higher because many
people may share one address (an office, a VPN). A successful sign-in forgives that account's
failures only, so a guesser who has an account cannot wipe the count between guesses by signing
in as themselves. Only the sign-in forms authenticate with a password; API tokens do not pass
through here.
"""

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR; behind TOCSIN_PROXY_COUNT proxies
    (TOCSIN_BEHIND_PROXY), the address the outermost of them saw, that many entries from the
    right of X-Forwarded-For."""
    if settings.BEHIND_PROXY:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        # Each proxy appends the address it was reached from; what is left of them is
        # whatever the client wrote, and is not believed.
        if len(forwarded) >= settings.PROXY_COUNT >= 1:
            address = client_ip(forwarded[-settings.PROXY_COUNT])
            if address:
                return address
    return client_ip(request.META.get("REMOTE_ADDR", ""))


def client_ip(text: str) -> str | None:
    """`text` as an IP address in its usual spelling, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def account_name(request, credentials: dict | None) -> str | None:
    """The e-mail address tried, as accounts compare it: whatever its capitals and spaces."""
    source = credentials if credentials is not None else request.POST
    name = source.get("username")
    return name.strip().lower() if isinstance(name, str) and name.strip() else None


def unlock(*, username: str | None = None, address: str | None = None) -> int:
    """Forget the failed sign-ins of an account or of a client address; how many there were."""
    if not username and not address:
        raise ValueError("name an account or an address")  # axes would forget them all
    attempts = AccessAttempt.objects.filter(
        **({"username": username} if username else {"ip_address": address})
    )
    failures = attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
    AxesProxyHandler.reset_attempts(username=username or None, ip_address=address or None)
    return failures


def lockout_minutes() -> int:
    return round(get_cool_off().total_seconds() / 60)


class SignInThrottle(AxesDatabaseHandler):
    """Axes' database handler, also locking a client address after its own failure limit."""

    def address_failures(self, request) -> int:
        if request.axes_ip_address is None:
            return 0
        attempts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        return attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0

    def address_locked(self, request) -> bool:
        return self.address_failures(request) >= settings.SIGN_IN_ADDRESS_FAILURE_LIMIT

    def account_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials)

    def is_locked(self, request, credentials=None) -> bool:
        return self.account_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, saying why and for how long, with 429 Too Many Requests."""
    from tocsin.accounts.forms import EmailAuthenticationForm

    throttle: SignInThrottle = AxesProxyHandler.get_implementation()
    minutes = lockout_minutes()
    whose = (
        "for this account" if throttle.account_locked(request, credentials) else "from your address"
    )
    message = (
        f"Too many failed sign-ins {whose}; try again in {minutes} minute"
        f"{'' if minutes == 1 else 's'} or ask an admin to unlock it."
    )
    username = account_name(request, credentials) or ""
    form = EmailAuthenticationForm(request, initial={"username": username})
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not next_url and request.path.startswith("/admin/"):
        next_url = "/admin/"
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message, "next": next_url},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
