"""The hot fix forms: each only parses; the services decide."""

import re

from django import forms

from tocsin.accounts.models import InstanceRole, User


def _owners():
    return (
        User.objects.filter(is_active=True)
        .exclude(role=InstanceRole.VIEWER)
        .order_by("display_name", "email")
    )


def branch_names(text: str) -> list[str]:
    """ "release/2.3, release/2.2" or one a line → ["release/2.3", "release/2.2"]."""
    return [name.strip() for name in re.split(r"[,\n]", text) if name.strip()]


class HotFixForm(forms.Form):
    change_url = forms.CharField(
        max_length=500,
        label="Change",
        help_text="The pull or merge request (an http:// or https:// address).",
    )
    branch = forms.CharField(max_length=200, initial="main", label="Went to branch")
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Owner",
        help_text="Who sees to the merge-backs; you, unless you choose someone.",
    )
    note = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owners()


class RecordForm(HotFixForm):
    targets = forms.CharField(
        required=False,
        max_length=2_000,
        label="Merge back into",
        help_text="Branch names, separated by commas, e.g. release/2.3, release/2.2.",
    )

    field_order = ["change_url", "branch", "targets", "owner", "note"]

    def clean_targets(self) -> list[str]:
        return branch_names(self.cleaned_data["targets"])


class TargetForm(forms.Form):
    branch = forms.CharField(max_length=200, label="Merge back into")


class MergeBackForm(forms.Form):
    done = forms.BooleanField(required=False)
    link = forms.CharField(required=False, max_length=500)
