"""The action item forms: each only parses; the services decide."""

from django import forms

from tocsin.accounts.models import InstanceRole, User

from .models import ActionKind, ActionPriority, ActionStatus


def _owners():
    return (
        User.objects.filter(is_active=True)
        .exclude(role=InstanceRole.VIEWER)
        .order_by("display_name", "email")
    )


class ActionItemForm(forms.Form):
    kind = forms.ChoiceField(choices=ActionKind.choices, label="Kind")
    title = forms.CharField(max_length=200, label="Title")
    description = forms.CharField(
        required=False, max_length=50_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="Owner")
    due_on = forms.DateField(
        label="Due on", widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )
    priority = forms.ChoiceField(
        choices=ActionPriority.choices, initial=ActionPriority.MEDIUM, label="Priority"
    )
    external_url = forms.CharField(
        required=False,
        max_length=500,
        label="Issue in a tracker",
        help_text="An http:// or https:// address.",
    )
    runbook = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owners()


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, label="Status")
    reason = forms.CharField(
        required=False,
        max_length=50_000,
        label="Reason",
        help_text="Required for won't do: say why.",
    )
