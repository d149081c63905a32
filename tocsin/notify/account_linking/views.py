"""The profile's "Link Telegram": a one-time code to send to the bot (see services.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tocsin.notify.channels.telegram import configured as telegram_configured
from tocsin.notify.team_chats.models import ChatKind

from .services import CODE_TTL, new_link_code


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def telegram_link(request):
    if request.method == "GET":
        return redirect("profile")
    linked = request.user.contact_methods.filter(kind="telegram", verified=True)
    context = {"configured": telegram_configured(), "linked": linked}
    if context["configured"]:
        row, code = new_link_code(user=request.user, kind=ChatKind.TELEGRAM)
        context.update(
            code=code, expires_at=row.expires_at, minutes=int(CODE_TTL.total_seconds() // 60)
        )
    # never_cache: the code is a credential until it is used.
    return render(request, "notify/telegram_link.html", context)
