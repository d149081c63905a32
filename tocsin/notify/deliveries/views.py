"""Deliveries: the outbox as a log, newest first, and one message on its own page.

Who sees which messages, and whose addresses, is answered by accounts/permissions/: admins
every message, a team's leads their team's, anyone the messages addressed to them; an address
is masked for whoever may not see it.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tocsin.accounts.permissions import DeliveryReader, deliveries_visible_to, may_see_deliveries

from .selectors import links_to_the_top, messages, row

PAGE_SIZE = 50


@login_required
@require_GET
def delivery_list(request):
    visible = deliveries_visible_to(request.user, messages()).order_by("-created_at", "-id")
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    reader = DeliveryReader(request.user)
    return render(
        request,
        "notify/deliveries.html",
        {
            "page": page,
            "rows": [row(message, reader) for message in page.object_list],
            "everything": may_see_deliveries(request.user),
        },
    )


@login_required
@require_GET
def delivery_detail(request, pk: int):
    message = messages().filter(pk=pk).first()
    reader = DeliveryReader(request.user)
    if message is None or not reader.may_read(message):
        # The same answer for a message that does not exist and one this person may not read.
        return render(request, "notify/delivery_missing.html", {"pk": pk}, status=404)
    return render(
        request,
        "notify/delivery_detail.html",
        {
            "row": row(message, reader),
            "message": message,
            "html_part": links_to_the_top(message.body_html) if message.body_html else "",
        },
    )
