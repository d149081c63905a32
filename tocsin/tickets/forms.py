from django import forms

from tocsin.accounts.models import InstanceRole, Team, User
from tocsin.incidents.models import Incident, Severity

from .models import Classification, CloseReason, Criticality, Scope, TicketStatus, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type="file" multiple>`; their content is checked by the
    attachment service, not here."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class TicketForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        empty_label="Choose the team",
        help_text="The team whose product it is; its leads triage the ticket.",
    )
    customer_user_id = forms.CharField(max_length=200, label="Customer's user id")
    scope = forms.ChoiceField(choices=[("", "Choose…"), *Scope.choices], label="Who is affected?")
    criticality = forms.ChoiceField(
        choices=[("", "Choose…"), *Criticality.choices], label="How bad is it for them?"
    )
    title = forms.CharField(
        max_length=200,
        label="In one line",
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. Clicking on user details gives an error"}
        ),
    )
    what_they_did = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What they did")
    what_happened = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What happened")
    expected = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="What they expected"
    )
    browser = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Chrome 131 on Windows 11"}),
    )
    session_replay_url = forms.CharField(
        max_length=500, required=False, label="Session replay link", widget=forms.URLInput()
    )
    attachments = MultipleFileField(
        required=False,
        label="Screenshots, HAR file, screen recording",
        help_text="Images (PNG, JPEG, GIF, WebP), a HAR file, a video (MP4, WebM). Secrets "
        "are removed from a HAR file before it is stored.",
    )


def _team_people():
    return User.objects.filter(is_active=True).exclude(
        role__in=[InstanceRole.VIEWER, InstanceRole.AGENT]
    )


class TriageForm(forms.Form):
    classification = forms.ChoiceField(
        choices=[("", "Choose…"), *Classification.choices], label="Where is the fault?"
    )
    urgency = forms.TypedChoiceField(
        choices=[("", "As the matrix says"), *Urgency.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    urgency_reason = forms.CharField(
        max_length=500,
        required=False,
        label="Why this urgency",
        help_text="Needed when it differs from the matrix.",
    )
    assignee = forms.ModelChoiceField(
        queryset=_team_people().order_by("display_name"), required=False, empty_label="Nobody"
    )


class EscalateForm(forms.Form):
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.none(),
        required=False,
        empty_label="Open a new incident",
        label="Incident",
        help_text="Join an open incident instead, when it is the same problem.",
    )

    def __init__(self, *args, open_incidents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if open_incidents is not None:
            self.fields["incident"].queryset = open_incidents


class CloseForm(forms.Form):
    reason = forms.ChoiceField(choices=CloseReason.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What the agent tells the customer; needed for “not an application problem”.",
    )
    duplicate_of = forms.CharField(
        max_length=20, required=False, label="Duplicate of", help_text="e.g. TKT-12"
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(max_length=500)


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Comment")


class TicketFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Open"), ("all", "All"), *TicketStatus.choices], required=False
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Every team",
        to_field_name="slug",
    )
    urgency = forms.TypedChoiceField(
        choices=[("", "Any urgency"), *Urgency.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    scope = forms.ChoiceField(choices=[("", "Any scope"), *Scope.choices], required=False)
    classification = forms.ChoiceField(
        choices=[("", "Any classification"), *Classification.choices], required=False
    )
    mine = forms.BooleanField(required=False, label="Opened or watched by me")
    q = forms.CharField(max_length=200, required=False, label="Search")


class UrgencyCellForm(forms.Form):
    scope = forms.ChoiceField(choices=Scope.choices)
    criticality = forms.ChoiceField(choices=Criticality.choices)
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int)


class UrgencySeverityForm(forms.Form):
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int)
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.order_by("rank"),
        required=False,
        empty_label="The same rung (U1 → the first)",
    )


class ClassificationTeamForm(forms.Form):
    classification = forms.ChoiceField(choices=Classification.choices)
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="The ticket's team"
    )
