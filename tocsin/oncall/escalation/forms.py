"""Forms for escalation policies and personal notification rules.

They parse what was typed; `policies.py` decides what is allowed. A policy's levels are rows of
a formset: a row with nothing ticked is left out, so unticking a level's targets removes it.
"""

from datetime import timedelta

from django import forms
from django.forms import formset_factory

from tocsin.accounts.models import Membership, MembershipRole, Team

from ..schedules.models import Schedule
from .models import EscalationPolicy, LevelTarget, TargetKind
from .services import (
    MAX_DELAY,
    MAX_DESCRIPTION,
    MAX_LEVELS,
    MAX_NAME,
    MAX_REPEAT,
    MAX_RULES,
    LevelSpec,
    TargetSpec,
)

DEFAULT_LEVEL_DELAY = 5  # minutes, as in the API
MAX_MINUTES = int(MAX_DELAY.total_seconds() // 60)


def minutes(delay: timedelta) -> int | float:
    """A delay as the number a person would type: 5, not 5.0; 0.5 for 30 seconds."""
    value = delay.total_seconds() / 60
    return int(value) if value == int(value) else round(value, 2)


class MinutesInput(forms.NumberInput):
    def __init__(self, placeholder: str):
        super().__init__(attrs={"step": "any", "min": 0, "placeholder": placeholder})


class PolicyForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_NAME, widget=forms.TextInput(attrs={"placeholder": "e.g. Payments default"})
    )
    description = forms.CharField(
        required=False, max_length=MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 2})
    )
    repeat = forms.IntegerField(
        min_value=0,
        max_value=MAX_REPEAT,
        initial=0,
        label="Repeat",
        help_text="If nobody acknowledges, go through all levels again this many times "
        "(0: once through, then the escalation ends).",
    )


class TargetChoices:
    """What a level of `team`'s policy may page, as checkbox values: `team`, `schedule:<id>`,
    `user:<id>`. A target the policy has but the team no longer offers (a person who left)
    stays on offer, marked, so saving shows why it is refused instead of dropping it."""

    def __init__(self, team: Team, policy: EscalationPolicy | None = None):
        self.team = team
        memberships = (
            Membership.objects.filter(team=team, user__is_active=True)
            .select_related("user")
            .order_by("user__display_name")
        )
        self.schedules = {s.pk: s for s in Schedule.objects.filter(team=team).order_by("name")}
        self.users = {m.user.pk: m.user for m in memberships}
        labels = {
            m.user.pk: f"{m.user}{' (lead)' if m.role == MembershipRole.LEAD else ''}"
            for m in memberships
        }
        if policy is not None:
            for target in LevelTarget.objects.filter(level__policy=policy).select_related(
                "user", "schedule__team"
            ):
                if target.kind == TargetKind.USER and target.user_id not in self.users:
                    self.users[target.user_id] = target.user
                    labels[target.user_id] = f"{target.user} (not a member of {team.name})"
                elif (
                    target.kind == TargetKind.SCHEDULE and target.schedule_id not in self.schedules
                ):
                    self.schedules[target.schedule_id] = target.schedule
        self.choices = [
            ("team", f"Everyone in {team.name}"),
            *((f"schedule:{pk}", f"On call in {s.name}") for pk, s in self.schedules.items()),
            *((f"user:{pk}", labels[pk]) for pk in self.users),
        ]

    @staticmethod
    def value(target: LevelTarget) -> str:
        if target.kind == TargetKind.USER:
            return f"user:{target.user_id}"
        if target.kind == TargetKind.SCHEDULE:
            return f"schedule:{target.schedule_id}"
        return "team"

    def spec(self, value: str) -> TargetSpec:
        kind, _, pk = value.partition(":")
        if kind == "user":
            return TargetSpec(TargetKind.USER, user=self.users[int(pk)])
        if kind == "schedule":
            return TargetSpec(TargetKind.SCHEDULE, schedule=self.schedules[int(pk)])
        return TargetSpec(TargetKind.TEAM)


class LevelForm(forms.Form):
    targets = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Page"
    )
    delay_minutes = forms.FloatField(
        required=False,
        min_value=0,
        max_value=MAX_MINUTES,
        label="Then wait (minutes)",
        widget=MinutesInput(str(DEFAULT_LEVEL_DELAY)),
        help_text=f"Before the next level; empty: {DEFAULT_LEVEL_DELAY}.",
    )

    def __init__(self, *args, target_choices: TargetChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_choices = target_choices
        self.fields["targets"].choices = target_choices.choices

    def level(self) -> LevelSpec | None:
        """The level this row asks for, or None for a row with nothing ticked."""
        values = self.cleaned_data.get("targets") or []
        if not values:
            return None
        delay = self.cleaned_data.get("delay_minutes")
        delay = DEFAULT_LEVEL_DELAY if delay is None else delay
        return LevelSpec(
            timedelta(minutes=delay), [self.target_choices.spec(value) for value in values]
        )


LevelFormSet = formset_factory(
    LevelForm, extra=0, max_num=MAX_LEVELS, absolute_max=MAX_LEVELS, validate_max=True
)


def level_rows(policy: EscalationPolicy | None) -> list[dict]:
    """The initial rows of the level formset for an existing policy."""
    if policy is None:
        return []
    return [
        {
            "delay_minutes": minutes(level.delay),
            "targets": [TargetChoices.value(target) for target in level.targets.all()],
        }
        for level in policy.levels.prefetch_related("targets").order_by("position")
    ]


class RuleForm(forms.Form):
    contact_method = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="—", label="Contact method"
    )
    delay_minutes = forms.FloatField(
        required=False,
        min_value=0,
        max_value=MAX_MINUTES,
        label="After (minutes)",
        widget=MinutesInput("0"),
    )

    def __init__(self, *args, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_method"].queryset = methods

    def rule(self):
        """(contact method, delay), or None for a row without a contact method."""
        method = self.cleaned_data.get("contact_method")
        if method is None:
            return None
        return method, timedelta(minutes=self.cleaned_data.get("delay_minutes") or 0)


RuleFormSet = formset_factory(
    RuleForm, extra=0, max_num=MAX_RULES, absolute_max=MAX_RULES, validate_max=True
)
