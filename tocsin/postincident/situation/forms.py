"""The form that adds a stakeholder: a person of this Tocsin, or any e-mail address."""

from django import forms

from tocsin.accounts.models import User


class StakeholderForm(forms.Form):
    person = forms.ModelChoiceField(
        label="Person",
        queryset=User.objects.filter(is_active=True).order_by("display_name", "email"),
        required=False,
        help_text="Gets the report at their sign-in address.",
    )
    email = forms.CharField(
        label="Or an e-mail address",
        max_length=254,
        required=False,
        help_text="E.g. support-leads@example.com.",
    )
