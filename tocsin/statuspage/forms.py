"""Forms of the status page's management pages: they parse input; the services decide.

Times are typed in the viewer's own time zone (the one their profile names, made current for
the request), as on the alerting maintenance page.
"""

from django import forms

from tocsin.alerting.forms import DateTimeLocalInput, DurationTextField
from tocsin.incidents.models import Service, Severity

from .models import Component, ComponentGroup, ComponentStatus, Impact, IncidentStatus

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

# An incident sets components degraded or out; under maintenance is a maintenance's to set.
INCIDENT_COMPONENT_STATUSES = [
    (value, label)
    for value, label in ComponentStatus.choices
    if value != ComponentStatus.UNDER_MAINTENANCE
]
# What a severity may propose: a component in trouble (operational is no proposal).
PROPOSABLE_STATUSES = [
    (value, label)
    for value, label in INCIDENT_COMPONENT_STATUSES
    if value != ComponentStatus.OPERATIONAL
]
OPEN_INCIDENT_STATUSES = [
    (value, label) for value, label in IncidentStatus.choices if value != IncidentStatus.RESOLVED
]
IMPACT_CHOICES = [("", "Derived from its components"), *Impact.choices]


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.team.name})"


def _services():
    return Service.objects.select_related("team").order_by("team__name", "name")


class GroupForm(forms.Form):
    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "Payments"})
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    position = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text="Lower comes first; empty puts a new group last.",
    )


class ComponentForm(forms.Form):
    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "e.g. Checkout"})
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to visitors beside the name.",
    )
    group = forms.ModelChoiceField(
        queryset=ComponentGroup.objects.none(), required=False, empty_label="No group"
    )
    position = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text="Lower comes first within its group; empty puts a new component last.",
    )
    services = ServiceChoiceField(
        queryset=_services(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Incidents on these services propose a status for it. A team lead links "
        "their own team's services; only admins may link none.",
    )
    visible = forms.BooleanField(required=False, initial=True, help_text="Shown on the page.")
    showcase = forms.BooleanField(
        required=False, initial=True, label="Show uptime", help_text="Its 90-day uptime bars."
    )
    only_show_if_degraded = forms.BooleanField(
        required=False,
        label="Only show when not operational",
        help_text="Hidden from visitors while it is operational.",
    )
    start_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Uptime is counted from this day.",
    )
    automatic = forms.BooleanField(
        required=False,
        label="Publish by itself",
        help_text="An incident opened from an alert on a linked service sets the proposed "
        "status and publishes the first update below, without waiting for a person.",
    )
    automatic_message = forms.CharField(
        required=False,
        label="First update when it publishes by itself",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = page.groups.order_by("position", "name")

    @staticmethod
    def initial_for(component: Component) -> dict:
        return {
            "name": component.name,
            "description": component.description,
            "group": component.group_id,
            "position": component.position,
            "services": list(component.services.values_list("pk", flat=True)),
            "visible": component.visible,
            "showcase": component.showcase,
            "only_show_if_degraded": component.only_show_if_degraded,
            "start_date": component.start_date,
            "automatic": component.automatic,
            "automatic_message": component.automatic_message,
        }

    def changes(self) -> dict:
        """Keyword arguments for create_component / update_component."""
        data = dict(self.cleaned_data)
        if data.get("position") is None:
            data.pop("position", None)
        return data


class ComponentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ComponentStatus.choices)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class ComponentStatusesMixin:
    """One select a component, named `component-<code>`: the status the incident gives it.

    `blank` labels the empty choice (not affected, or unchanged); `components` are the ones
    offered, `initial_statuses` {code: status} what each select starts on.
    """

    def add_component_fields(self, components, *, blank: str, initial_statuses=None):
        initial_statuses = initial_statuses or {}
        self.components = list(components)
        for component in self.components:
            self.fields[self.field_name(component)] = forms.ChoiceField(
                label=component.name,
                required=False,
                choices=[("", blank), *INCIDENT_COMPONENT_STATUSES],
                initial=initial_statuses.get(component.code, ""),
            )

    @staticmethod
    def field_name(component) -> str:
        return f"component-{component.code}"

    def component_fields(self):
        return [(component, self[self.field_name(component)]) for component in self.components]

    def component_statuses(self) -> dict:
        """{component: status} for every select that names a status."""
        chosen = {}
        for component in self.components:
            status = self.cleaned_data.get(self.field_name(component))
            if status:
                chosen[component] = status
        return chosen


class PublishForm(ComponentStatusesMixin, forms.Form):
    name = forms.CharField(
        max_length=200,
        help_text="What visitors read as the incident's title.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Checkout returns errors"}),
    )
    status = forms.ChoiceField(choices=OPEN_INCIDENT_STATUSES, initial=IncidentStatus.INVESTIGATING)
    body = forms.CharField(
        label="First update",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown. Public: write it for your customers.",
    )
    impact_override = forms.ChoiceField(choices=IMPACT_CHOICES, required=False, label="Impact")
    draft = forms.BooleanField(
        required=False,
        label="Save as a draft",
        help_text="Only signed-in people see it until it is published.",
    )
    notify = forms.BooleanField(
        required=False, initial=True, label="Tell subscribers", help_text="E-mail and webhooks."
    )

    def __init__(self, *args, components=(), initial_statuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_component_fields(
            components, blank="Not affected", initial_statuses=initial_statuses
        )


class UpdateForm(ComponentStatusesMixin, forms.Form):
    status = forms.ChoiceField(choices=IncidentStatus.choices)
    body = forms.CharField(
        label="Update", widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown. Public."
    )
    display_at = forms.DateTimeField(
        required=False,
        label="Shown as written at",
        widget=DateTimeLocalInput(),
        input_formats=DATETIME_FORMATS,
        help_text="Empty: now. An update may be backdated, not dated ahead.",
    )
    notify = forms.BooleanField(required=False, initial=True, label="Tell subscribers")

    def __init__(self, *args, components=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_component_fields(components, blank="Unchanged")


class ResolveForm(forms.Form):
    body = forms.CharField(
        label="Last update",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown. Public: what was wrong and that it is fixed.",
    )
    restore_components = forms.BooleanField(
        required=False,
        initial=True,
        label="Set its components back to operational",
        help_text="Unless another incident or a running maintenance still holds one.",
    )
    notify = forms.BooleanField(required=False, initial=True, label="Tell subscribers")


class PublicIncidentForm(forms.Form):
    name = forms.CharField(max_length=200)
    impact_override = forms.ChoiceField(choices=IMPACT_CHOICES, required=False, label="Impact")


class MaintenanceForm(forms.Form):
    name = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. Database upgrade"})
    )
    scheduled_for = forms.DateTimeField(
        label="Starts", widget=DateTimeLocalInput(), input_formats=DATETIME_FORMATS
    )
    scheduled_until = forms.DateTimeField(
        label="Ends", widget=DateTimeLocalInput(), input_formats=DATETIME_FORMATS
    )
    components = forms.ModelMultipleChoiceField(
        queryset=Component.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Alerts about their linked services are suppressed while it runs.",
    )
    body = forms.CharField(
        required=False,
        label="What visitors are told",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown. Public.",
    )
    remind_before = DurationTextField(
        required=False,
        label="Remind subscribers before",
        help_text="e.g. 1h or 24h before it starts; empty: no reminder.",
    )

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["components"].queryset = page.components.select_related("group").order_by(
            "group__position", "position", "name"
        )


class MaintenanceUpdateForm(forms.Form):
    body = forms.CharField(
        label="Update", widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown. Public."
    )
    verifying = forms.ChoiceField(
        required=False,
        label="Work",
        choices=[
            ("", "Unchanged"),
            ("yes", "Done, being verified"),
            ("no", "Still in progress"),
        ],
    )

    def verifying_value(self):
        return {"yes": True, "no": False}.get(self.cleaned_data.get("verifying") or "")


class NoteForm(forms.Form):
    """An optional public text for completing early or cancelling."""

    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProposedStatusForm(forms.Form):
    """One select a severity: the component status its incidents propose."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.severities = list(Severity.objects.order_by("rank"))
        for severity in self.severities:
            self.fields[f"severity-{severity.key}"] = forms.ChoiceField(
                label=f"{severity.key} {severity.name}",
                required=False,
                choices=[("", "Proposes nothing"), *PROPOSABLE_STATUSES],
            )

    def rows(self):
        return [(severity, self[f"severity-{severity.key}"]) for severity in self.severities]

    def table(self) -> dict:
        """{severity: status or ""}"""
        return {s: self.cleaned_data.get(f"severity-{s.key}") or "" for s in self.severities}


class PageForm(forms.Form):
    """A status page's settings. `is_default` only ever makes a page the default: the default
    page moves to another page, never to none."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "Status"}))
    slug = forms.CharField(
        max_length=50,
        help_text="Its address, /status/pages/<slug>/: lower-case letters, digits and dashes.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(
        required=False, help_text="Readable without signing in; otherwise only by signed-in users."
    )
    time_zone = forms.CharField(
        max_length=64, help_text="The IANA time zone its dates are shown in, e.g. Europe/Paris."
    )
    show_incident_numbers = forms.BooleanField(
        required=False, help_text="Show the internal incident number (INC-12) on public incidents."
    )
    show_authors = forms.BooleanField(
        required=False, help_text="Show the name of who wrote each public update."
    )
    is_default = forms.BooleanField(
        required=False, label="Default page", help_text="Served at /status/."
    )

    def settings(self) -> dict:
        data = dict(self.cleaned_data)
        if not data["is_default"]:
            data.pop("is_default")  # unticked leaves it as it is
        return data
