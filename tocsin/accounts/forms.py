"""Forms for signing in and for a person's own profile; the services validate the rest."""

import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import ContactKind


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, asking for the e-mail address people sign in with."""

    username = forms.EmailField(
        label="E-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail and password do not match an active account.",
    }


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return [(z, z.replace("_", " ")) for z in zones]


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=150, help_text="How colleagues see you on incidents and in pages."
    )
    time_zone = forms.ChoiceField(
        choices=time_zone_choices, help_text="Every time in Tocsin is shown in this zone."
    )


class ContactMethodForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=ContactKind.choices)
    address = forms.CharField(
        max_length=255,
        help_text="E-mail address, phone number, Slack member ID (U…), chat id or URL.",
    )
    label = forms.CharField(max_length=100, required=False, help_text="E.g. “personal phone”.")


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="Where it will be used, e.g. “laptop CLI” or “Grafana”.",
    )
