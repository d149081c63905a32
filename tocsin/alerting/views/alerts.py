"""Alerts: the list, and one alert with every event received and the decisions taken."""

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors
from ..forms import AlertFilterForm
from ..routing import describe
from .shared import safe_href

PAGE_SIZE = 50


@login_required
@require_GET
def alert_list(request):
    form = AlertFilterForm(request.GET)
    filters = form.filters()
    alerts = selectors.alerts_matching(**filters)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "alerting/alert_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(value is not None for value in filters.values()),
        },
    )


def _pretty(payload) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)


@login_required
@require_GET
def alert_detail(request, pk: int):
    alert = selectors.alert_with_events(pk)
    if alert is None:
        raise Http404(f"no alert #{pk}")
    events = [
        {"event": event, "payload": _pretty(event.payload)}
        for event in sorted(alert.events.all(), key=lambda e: (e.received_at, e.pk), reverse=True)
    ]
    links = [
        {"href": safe_href(link.get("href", "")), "text": link.get("text") or link.get("href")}
        for link in alert.links
        if isinstance(link, dict)
    ]
    return render(
        request,
        "alerting/alert_detail.html",
        {
            "alert": alert,
            "events": events,
            "links": links,
            "runbook_href": safe_href(alert.runbook_url),
            "rule_matchers": describe(alert.rule.matchers) if alert.rule else "",
            # Lists, not dicts: a label called "items" must not hide the dict's .items.
            "labels": sorted(alert.labels.items()),
            "annotations": sorted(alert.annotations.items()),
            "payload": _pretty(alert.payload),
        },
    )
