"""The runbook form and the tick form; the services check what they mean."""

from django import forms

from tocsin.alerting.models import RoutingRule
from tocsin.incidents.models import Service


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.team.name})"


class RuleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: RoutingRule) -> str:
        return f"{obj} ({obj.team.name if obj.team else 'any team'})"


class RunbookForm(forms.Form):
    name = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"placeholder": "e.g. Checkout error rate"})
    )
    body = forms.CharField(
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown. Each numbered list item (1. 2. 3.) is a step people tick on the "
        "incident page.",
    )
    services = ServiceChoiceField(
        queryset=Service.objects.select_related("team").order_by("team__name", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Incidents on these services use this runbook when nothing closer names one. "
        "The leads of these services' teams may edit it; with none, only admins may.",
    )
    alert_names = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One alert name a line (the alertname label, else the alert's summary).",
    )
    rules = RuleChoiceField(
        queryset=RoutingRule.objects.select_related("team"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Routing rules",
        help_text="Alerts routed by these rules use this runbook; their runbook URL is cleared.",
    )

    def clean_alert_names(self) -> list[str]:
        lines = self.cleaned_data["alert_names"].splitlines()
        return [line.strip() for line in lines if line.strip()]

    @staticmethod
    def initial_for(runbook) -> dict:
        return {
            "name": runbook.name,
            "body": runbook.body,
            "services": list(runbook.services.all()),
            "alert_names": "\n".join(runbook.alerts.values_list("alert_name", flat=True)),
            "rules": [link.rule for link in runbook.rule_links.select_related("rule")],
        }


class TickForm(forms.Form):
    runbook = forms.SlugField(max_length=100)
    step = forms.IntegerField(min_value=1, max_value=10_000)
    note = forms.CharField(
        required=False, max_length=500, help_text="What you did, for the timeline."
    )


class UntickForm(forms.Form):
    runbook = forms.SlugField(max_length=100)
    step = forms.IntegerField(min_value=1, max_value=10_000)
