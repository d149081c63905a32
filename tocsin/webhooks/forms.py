"""Web forms for webhooks; the checks themselves live in the services."""

from django import forms

from tocsin.accounts.models import Team
from tocsin.accounts.permissions import may_manage_webhooks, teams_managed_by

from .models import EventType


class EventsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            choices=EventType.choices,
            error_messages={"required": "Choose at least one event."},
            **kwargs,
        )


class WebhookForm(forms.Form):
    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "e.g. Status bot"})
    )
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.TextInput(
            attrs={"placeholder": "https://hooks.example.com/tocsin", "spellcheck": "false"}
        ),
        help_text="Tocsin POSTs signed JSON here. http:// or https:// only.",
    )
    events = EventsField(help_text="Cancelled incidents count as resolved.")
    enabled = forms.BooleanField(required=False, initial=True)
    include_drills = forms.BooleanField(
        label="Include drills",
        required=False,
        initial=False,
        help_text="Off: drills (practice incidents) send nothing here. On: they are sent, "
        'with "drill": true.',
    )


class WebhookCreateForm(WebhookForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    field_order = ["team", "name", "url", "events"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        team.queryset = teams_managed_by(user)
        if may_manage_webhooks(None, user):
            team.empty_label = "Every team (instance-wide)"
            team.help_text = "Instance-wide webhooks hear about every team's incidents."
        else:
            team.required = True
            team.empty_label = "Choose a team"
            team.help_text = "You add webhooks for the teams you lead."
        if not self.is_bound:
            self.initial.setdefault("events", list(EventType.values))


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, I am sure",
        error_messages={"required": "Tick the box to confirm."},
    )
