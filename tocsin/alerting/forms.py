"""Forms for the alerting pages: they parse input; the services decide what is allowed."""

from datetime import timedelta

from django import forms

from tocsin.accounts.models import Team
from tocsin.incidents.models import Service, Severity

from .durations import format_duration, parse_duration
from .matcher_text import format_matchers
from .models import AlertStatus, Integration, Kind
from .rule_runbooks import runbook_choices


class DurationTextField(forms.CharField):
    """A duration typed as 30s, 5m, 1h or 1h30m (a bare number is minutes)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": "e.g. 5m, 1h30m", "maxlength": 20})
        )
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return format_duration(value) if isinstance(value, timedelta) else value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_duration(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class SeverityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.key} {obj.name}"


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.team.name})"


def _severities():
    return Severity.objects.order_by("rank")


def _services():
    return Service.objects.select_related("team").order_by("team__name", "name")


class IntegrationCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, help_text="The tool that will send alerts.")
    name = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Prometheus production"}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        empty_label="Choose a team",
        help_text="Owns the alerts and incidents unless a routing rule says otherwise. Only "
        "admins and the team's leads may add integrations.",
    )
    service = ServiceChoiceField(
        queryset=_services(),
        required=False,
        label="Default service",
        empty_label="None",
        help_text="Alerts are about this service unless a routing rule says otherwise; "
        "its maintenance windows suppress them.",
    )
    severity = SeverityChoiceField(
        queryset=_severities(),
        required=False,
        label="Default severity",
        empty_label="From the severity mapping",
        help_text="Used when neither a routing rule nor the severity mapping decides.",
    )
    signing_secret = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Grafana, Checkly and your own scripts can sign requests; unsigned ones "
        "are then refused with 401.",
    )
    signature_header = forms.CharField(
        max_length=100,
        required=False,
        label="Signature header (Grafana)",
        help_text="Default: X-Grafana-Alerting-Signature for Grafana, X-Tocsin-Signature "
        "for others.",
    )
    heartbeat_interval = DurationTextField(
        required=False,
        label="Heartbeat interval",
        help_text="Heartbeats only: how often the job pings, e.g. 5m or 1h.",
    )
    heartbeat_grace = DurationTextField(
        required=False,
        label="Heartbeat grace",
        help_text="Heartbeats only: how late a ping may be before it is missed (default 1m).",
    )


class IntegrationSettingsForm(forms.Form):
    name = forms.CharField(max_length=100)
    enabled = forms.BooleanField(
        required=False, help_text="A disabled integration answers 404 and stores nothing."
    )
    auto_resolve = forms.BooleanField(
        required=False,
        label="Auto-resolve",
        help_text="Resolve the incident when all of its alerts have resolved at the source.",
    )
    reopen_window = DurationTextField(
        label="Reopen window",
        help_text="An alert firing again this soon after its incident was resolved reopens it; "
        "0 never reopens.",
    )
    rate_limit_per_minute = forms.IntegerField(
        label="Rate limit",
        min_value=1,
        max_value=100_000,
        help_text="Events a minute; more are refused with 429 and Retry-After.",
    )
    service = ServiceChoiceField(
        queryset=_services(), required=False, label="Default service", empty_label="None"
    )
    severity = SeverityChoiceField(
        queryset=_severities(),
        required=False,
        label="Default severity",
        empty_label="From the severity mapping",
    )
    signing_secret = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Empty: requests are not signed.",
    )
    signature_header = forms.CharField(max_length=100, required=False, label="Signature header")
    heartbeat_interval = DurationTextField(required=False, label="Heartbeat interval")
    heartbeat_grace = DurationTextField(required=False, label="Heartbeat grace")

    HEARTBEAT_FIELDS = ("heartbeat_interval", "heartbeat_grace")

    def __init__(self, *args, integration: Integration, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": integration.name,
                "enabled": integration.enabled,
                "auto_resolve": integration.auto_resolve,
                "reopen_window": integration.reopen_window,
                "rate_limit_per_minute": integration.rate_limit_per_minute,
                "service": integration.service_id,
                "severity": integration.severity_id,
                "signing_secret": integration.signing_secret,
                "signature_header": integration.signature_header,
                "heartbeat_interval": integration.heartbeat_interval,
                "heartbeat_grace": integration.heartbeat_grace,
            },
        )
        super().__init__(*args, **kwargs)
        if integration.kind != Kind.HEARTBEAT:
            for name in self.HEARTBEAT_FIELDS:
                del self.fields[name]

    def changes(self) -> dict:
        """The cleaned values as keyword arguments for services.update_integration."""
        data = dict(self.cleaned_data)
        if "heartbeat_grace" in data and data["heartbeat_grace"] is None:
            data["heartbeat_grace"] = timedelta(0)
        return data


class RotateTokenForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that the current URL stops working at once",
        error_messages={"required": "Tick the box to confirm: senders must get the new URL."},
    )


YES_NO = [("", "All"), ("yes", "Suppressed"), ("no", "Not suppressed")]


class AlertFilterForm(forms.Form):
    """The alert list's filters; anything unrecognised is ignored rather than an error."""

    status = forms.ChoiceField(required=False, choices=[("", "All"), *AlertStatus.choices])
    integration = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    suppressed = forms.ChoiceField(required=False, choices=YES_NO)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["integration"].choices = [("", "All")] + [
            (str(i.pk), i.name) for i in Integration.objects.order_by("name")
        ]
        self.fields["team"].choices = [("", "All")] + [
            (t.slug, t.name) for t in Team.objects.order_by("name")
        ]

    def filters(self) -> dict:
        """Keyword arguments for selectors.alerts_matching from the valid fields."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) or None
            for name in ("status", "integration", "team")
            if name not in self.errors
        }
        if data.get("integration"):
            data["integration"] = int(data["integration"])
        suppressed = None if "suppressed" in self.errors else self.cleaned_data.get("suppressed")
        data["suppressed"] = {"yes": True, "no": False}.get(suppressed or "")
        return data


class MatchersField(forms.CharField):
    """Matchers typed one per line, e.g. `labels.severity = critical`.

    The text is read by the service (services.rules), after it has checked that the person may
    save the rule: a line it refuses comes back as this field's error.
    """

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strip", False)  # a quoted value keeps its spaces; lines are stripped
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return format_matchers(value) if isinstance(value, list) else value


class RuleForm(forms.Form):
    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "e.g. Critical to Payments"})
    )
    position = forms.IntegerField(
        min_value=0,
        max_value=1_000_000,
        initial=100,
        help_text="Lower is tried first; the first matching rule decides.",
    )
    matchers = MatchersField(
        required=False,
        help_text="One per line: labels.severity = critical, labels.env =~ prod|staging, "
        "labels.team exists. Also != and !~ and !exists; fields are labels.<name>, "
        "annotations.<name>, summary, source, severity. Empty matches every alert.",
    )
    integration = forms.ModelChoiceField(
        queryset=Integration.objects.order_by("name"),
        required=False,
        empty_label="Any integration",
        label="Only from",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="The integration's team",
        help_text="Leads may add rules for their own team; only admins for any team.",
    )
    service = ServiceChoiceField(
        queryset=_services(), required=False, empty_label="The integration's service"
    )
    severity = SeverityChoiceField(
        queryset=_severities(), required=False, empty_label="From the severity mapping"
    )
    runbook = forms.ChoiceField(
        required=False,
        label="Runbook",
        help_text="Its steps become a checklist on the incident page.",
    )
    runbook_url = forms.CharField(
        max_length=200,
        required=False,
        label="or a runbook URL",
        widget=forms.URLInput(),
        help_text="A runbook kept elsewhere; leave empty when you choose one above.",
    )
    grouping_key = forms.CharField(
        max_length=200,
        required=False,
        label="Grouping key",
        widget=forms.TextInput(
            attrs={"placeholder": "{labels.cluster}/{labels.alertname}", "class": "mono"}
        ),
        help_text="Alerts with the same key share one open incident. Empty: service and "
        "alert name.",
    )
    suppress = forms.BooleanField(
        required=False,
        label="Suppress",
        help_text="Store matching alerts but open no incident and page nobody.",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = runbook_choices()
        self.fields["runbook"].choices = [("", "None, or the URL below"), *choices]
        if not choices:  # no runbooks of Tocsin's yet: only the address
            del self.fields["runbook"]
            self.fields["runbook_url"].label = "Runbook URL"
            self.fields["runbook_url"].help_text = (
                "A runbook kept elsewhere; runbooks written in Tocsin can be chosen here once "
                "there are some."
            )

    def rule_fields(self) -> dict:
        return dict(self.cleaned_data)


class MoveRuleForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class SeverityMappingForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, label="Kind of integration")
    value = forms.CharField(
        max_length=50,
        label="Source's word",
        widget=forms.TextInput(attrs={"placeholder": "e.g. critical"}),
    )
    severity = SeverityChoiceField(
        queryset=_severities(), required=False, empty_label="Remove this mapping"
    )


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MaintenanceForm(forms.Form):
    service = ServiceChoiceField(queryset=_services(), empty_label="Choose a service")
    starts_at = forms.DateTimeField(
        label="Starts",
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    ends_at = forms.DateTimeField(
        label="Ends",
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. PostgreSQL 16 upgrade"}),
        help_text="Shown on every alert suppressed by this window.",
    )
