"""Forms for the incident pages: they parse input; the services decide what is allowed."""

from django import forms
from django.db.models import Case, Value, When

from tocsin.accounts.models import Team, User

from .models import Role, Service, Severity, Status
from .selectors import SCOPES, default_scope


class SeverityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.key} {obj.name}"


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.team.name})"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name or obj.email


class DeclareForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text="What is broken, as a customer would notice it: “Checkout returns 502”.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    severity = SeverityChoiceField(
        queryset=Severity.objects.order_by("rank"),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        help_text="The team that owns the problem; its members can acknowledge.",
    )
    services = ServiceChoiceField(
        queryset=Service.objects.select_related("team").order_by("team__name", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The affected services, if you know them.",
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you see, since when, and what you have tried.",
    )
    impact_who = forms.CharField(
        label="Who is impacted",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. “customers paying by card in the EU”.",
    )
    impact_how = forms.CharField(
        label="How they are impacted",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. “about 8% of payments fail; retrying works”.",
    )
    drill = forms.BooleanField(
        label="This is a drill",
        required=False,
        help_text="A practice incident: it runs the whole process and is left out of metrics.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The chosen team's services first (the initial team's before anything is chosen),
        # then the other teams' in name order.
        chosen = self["team"].value()
        team_id = str(getattr(chosen, "pk", chosen) or "")
        # A value that is no team's id changes no order: the team field's own error says so.
        usable = team_id.isdigit() and len(team_id) < 10  # and never past the column's range
        first = Case(When(team_id=int(team_id), then=0), default=1) if usable else None
        self.fields["services"].queryset = (
            Service.objects.select_related("team")
            .annotate(first=first or Value(1))
            .order_by("first", "team__name", "team_id", "name")
        )

    def service_groups(self) -> list[tuple[str, list]]:
        """The services' checkboxes grouped by team, in the queryset's order: (team, boxes)."""
        groups: list[tuple[str, list]] = []
        for box in self["services"]:
            team = box.data["value"].instance.team
            if not groups or groups[-1][0] != team:
                groups.append((team, []))
            groups[-1][1].append(box)
        return [(team.name, boxes) for team, boxes in groups]


class AssignForm(forms.Form):
    to = PersonChoiceField(queryset=User.objects.none(), label="Assign to")

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = team.members.filter(is_active=True).order_by("display_name")


SETTABLE_STATUSES = (Status.IDENTIFIED, Status.MONITORING)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, Status(s).label) for s in SETTABLE_STATUSES])


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        required=False,  # the service says what is missing, in the same words everywhere
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text="What fixed it, or why it stopped.",
    )
    resolved_by = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Resolved by",
    )

    def __init__(self, *args, team: Team, default: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["resolved_by"]
        field.queryset = team.members.filter(is_active=True).order_by("display_name")
        # Left empty, the service names the owner, or the person resolving if nobody owns it.
        field.empty_label = f"The owner ({default})" if default else "You"


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SeverityForm(forms.Form):
    severity = SeverityChoiceField(queryset=Severity.objects.order_by("rank"), empty_label=None)


class RoleForm(forms.Form):
    user = PersonChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("display_name"), label="Person"
    )
    role = forms.ChoiceField(choices=Role.choices)


class RemoveRoleForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.all())
    role = forms.ChoiceField(choices=Role.choices)


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "required": True, "placeholder": "What did you find or try?"}
        ),
    )


DRILL_CHOICES = [("", "Included"), ("no", "Hidden"), ("only", "Only drills")]


def status_filter_choices() -> list[tuple[str, str]]:
    return [("", "All"), ("open", "Open"), ("closed", "Closed"), *Status.choices]


class IncidentFilterForm(forms.Form):
    """The list page's filters; anything unrecognised is ignored rather than an error."""

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "INC-42, title, description, resolution"}
        ),
    )
    status = forms.ChoiceField(required=False)
    severity = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    service = forms.ChoiceField(required=False)
    drill = forms.ChoiceField(label="Drills", required=False, choices=DRILL_CHOICES)
    # The tab the list is on (selectors.SCOPES), kept when the filters change.
    scope = forms.ChoiceField(
        required=False, choices=[("", "")] + [(s, s) for s in SCOPES], widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = status_filter_choices()
        self.fields["severity"].choices = [("", "All")] + [
            (s.key, f"{s.key} {s.name}") for s in Severity.objects.order_by("rank")
        ]
        self.fields["team"].choices = [("", "All")] + [
            (t.slug, t.name) for t in Team.objects.order_by("name")
        ]
        self.fields["service"].choices = [("", "All")] + [
            (s.slug, s.name) for s in Service.objects.order_by("name")
        ]

    def filters(self) -> dict:
        """Keyword arguments for selectors.incidents_matching from the valid fields."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) or None
            for name in ("status", "severity", "team", "service", "q")
            if name not in self.errors
        }
        drill = None if "drill" in self.errors else self.cleaned_data.get("drill")
        data["drill"] = {"no": False, "only": True}.get(drill or "")
        return data

    def scope_for(self, person) -> str:
        """The tab asked for, or the one the list opens on for `person`."""
        self.is_valid()
        asked = None if "scope" in self.errors else self.cleaned_data.get("scope")
        return asked or default_scope(person)
