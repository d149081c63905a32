"""My notification rules: how Tocsin reaches me when a level pages me, method by method."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tocsin.errors import DomainError

from . import policies
from .escalation import rules_of
from .forms_escalation import RuleFormSet, minutes

RULES_PREFIX = "rules"
BLANK_ROWS = 2


def _page(request, formset, status=200):
    user = request.user
    methods = user.contact_methods.order_by("kind", "id")
    return render(
        request,
        "oncall/notification_rules.html",
        {
            "formset": formset,
            "has_methods": methods.exists(),
            "has_rules": user.notification_rules.exists(),
            "effective": rules_of(user),
        },
        status=status,
    )


def _show_refusal(request, formset, rows: list[int], error: DomainError) -> None:
    parts = (error.field or "").split(".")
    if parts[0] == "rules" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
        field = "delay_minutes" if parts[-1] == "delay" else "contact_method"
        formset.forms[rows[int(parts[1])]].add_error(field, error.message)
    else:
        messages.error(request, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def notification_rules(request):
    user = request.user
    methods = user.contact_methods.order_by("kind", "id")
    kwargs = {"prefix": RULES_PREFIX, "form_kwargs": {"methods": methods}}
    if request.method == "POST":
        formset = RuleFormSet(request.POST, **kwargs)
        if formset.is_valid():
            rows = [index for index, row in enumerate(formset.forms) if row.rule() is not None]
            try:
                policies.set_notification_rules(
                    user=user, by=user, rules=[formset.forms[index].rule() for index in rows]
                )
            except DomainError as error:
                _show_refusal(request, formset, rows, error)
            else:
                if rows:
                    messages.success(request, "Your notification rules are saved.")
                else:
                    messages.success(
                        request,
                        "You have no notification rules now: a page goes to your first e-mail "
                        "address, at once.",
                    )
                return redirect("notification-rules")
        return _page(request, formset, status=422)
    rows = [
        {"contact_method": rule.contact_method_id, "delay_minutes": minutes(rule.delay)}
        for rule in policies.notification_rules(user=user, by=user)
    ]
    rows = (rows + [{}] * max(BLANK_ROWS, 3 - len(rows)))[: policies.MAX_RULES]
    return _page(request, RuleFormSet(initial=rows, **kwargs))
