"""The scenario form and the schedule form; the services check what they mean."""

import json

from django import forms

from tocsin.alerting.models import Integration
from tocsin.incidents.models import Service, Severity


class IntegrationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Integration) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class PayloadField(forms.CharField):
    """JSON text, decoded; the service checks it is what the integration's source sends."""

    widget = forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "mono"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"The payload is not JSON: {error}") from None

    def prepare_value(self, value):
        if isinstance(value, (dict, list)):
            return json.dumps(value, indent=2)
        return value


class ScenarioForm(forms.Form):
    title = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"placeholder": "e.g. Checkout 502s"})
    )
    severity = forms.ModelChoiceField(queryset=Severity.objects.all(), empty_label=None)
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        empty_label="No service",
        help_text="The drill's incident is opened for this service.",
    )
    integration = IntegrationChoiceField(
        queryset=Integration.objects.none(),
        empty_label="Choose an integration",
        help_text="The drill's alert goes through this integration's parser and routing.",
    )
    payload = PayloadField(
        max_length=100_000,
        help_text="The JSON body that integration's source sends, e.g. an Alertmanager webhook "
        "with one firing alert. It is checked with the integration's parser when saved.",
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the drill practises. Markdown.",
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(team=team).order_by("name")
        self.fields["integration"].queryset = Integration.objects.filter(team=team).order_by("name")

    @staticmethod
    def initial_for(scenario) -> dict:
        return {
            "title": scenario.title,
            "severity": scenario.severity_id,
            "service": scenario.service_id,
            "integration": scenario.integration_id,
            "payload": scenario.payload,
            "description": scenario.description,
        }


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label="Start at (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text="The worker starts the drill at this time.",
    )
