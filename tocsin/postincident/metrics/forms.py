"""The metrics page's filters, read from the query string."""

from django import forms

from .periods import PeriodUnit
from .query import Drills, Grouping


class MetricsFilterForm(forms.Form):
    period = forms.ChoiceField(label="Per", required=False, choices=PeriodUnit.choices)
    group = forms.ChoiceField(label="Group by", required=False, choices=Grouping.choices)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To (included)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    drills = forms.ChoiceField(label="Drills", required=False, choices=Drills.choices)
