"""The metrics page and its CSV: parse the filters, ask the selector, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from tocsin.accounts.permissions import may_see_metrics
from tocsin.errors import ValidationFailed
from tocsin.forms import add_domain_error

from .charts import charts_for
from .export import csv_of, filename
from .forms import MetricsFilterForm
from .percentiles import METHOD
from .query import Grouping, metrics_query
from .selectors import metrics_for


def _asked(request):
    """(form, query): the query is None when the filters are refused, and the form says why."""
    form = MetricsFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    try:
        return form, metrics_query(**form.cleaned_data)
    except ValidationFailed as error:
        add_domain_error(form, error)
        return form, None


@login_required
@require_GET
def metrics_page(request):
    if not may_see_metrics(request.user):
        raise PermissionDenied("only signed-in people with an active account see the metrics")
    form, query = _asked(request)
    context = {"form": form, "method": METHOD}
    if query is not None:
        report = metrics_for(query, viewer=request.user)
        context |= {
            "report": report,
            "charts": charts_for(report.groups, report.periods, report.incidents),
            "drill_charts": charts_for(report.groups, report.periods, report.drills, drill=True),
            "csv_query": urlencode(query.as_params()),
            "group_label": Grouping(query.group).label,
        }
    status = 200 if query is not None else 422
    return render(request, "postincident/metrics/metrics.html", context, status=status)


@login_required
@require_GET
def metrics_csv(request):
    if not may_see_metrics(request.user):
        raise PermissionDenied("only signed-in people with an active account see the metrics")
    form, query = _asked(request)
    if query is None:
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        return HttpResponse(errors, status=422, content_type="text/plain; charset=utf-8")
    report = metrics_for(query, viewer=request.user)
    response = HttpResponse(csv_of(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(report)}"'
    return response
