"""The post-mortem pages' forms: each only parses; the services decide."""

from django import forms

from tocsin.accounts.models import InstanceRole, User

from .models import Verdict


def _writers():
    return (
        User.objects.filter(is_active=True)
        .exclude(role=InstanceRole.VIEWER)
        .order_by("display_name", "email")
    )


class EditForm(forms.Form):
    """The author, the due date, and one Markdown field per section (`section_<position>`)."""

    author = forms.ModelChoiceField(queryset=User.objects.none(), label="Author")
    due_on = forms.DateField(
        label="Due on", widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )

    def __init__(self, *args, postmortem, **kwargs):
        self.sections = list(postmortem.sections.all())
        initial = {"author": postmortem.author, "due_on": postmortem.due_on}
        initial.update({f"section_{s.position}": s.body for s in self.sections})
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["author"].queryset = _writers()
        for section in self.sections:
            self.fields[f"section_{section.position}"] = forms.CharField(
                label=section.title,
                required=False,
                help_text=section.guidance,
                widget=forms.Textarea(attrs={"rows": 6}),
                max_length=50_000,
            )

    def section_fields(self):
        return [self[f"section_{section.position}"] for section in self.sections]

    def section_bodies(self) -> dict[str, str]:
        return {s.title: self.cleaned_data[f"section_{s.position}"] for s in self.sections}


class ReviewRequestForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Reviewers",
        required=False,
        help_text="People asked to review; the author cannot review their own post-mortem.",
    )

    def __init__(self, *args, postmortem, **kwargs):
        super().__init__(*args, **kwargs)
        asked = postmortem.review_requests.values_list("reviewer_id", flat=True)
        self.fields["reviewers"].queryset = (
            _writers().exclude(pk=postmortem.author_id).exclude(pk__in=list(asked))
        )


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[(Verdict.APPROVE, "Approve"), (Verdict.REQUEST_CHANGES, "Request changes")],
        widget=forms.RadioSelect,
        label="Your review",
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=50_000,
        help_text="Required when you request changes: say what should change.",
    )


class CommentForm(forms.Form):
    section = forms.CharField(widget=forms.HiddenInput, max_length=100)
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 2}), max_length=50_000
    )


class TemplateForm(forms.Form):
    sections = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        label="Sections",
        help_text="One section a line, in order: its title, then optionally “|” and the "
        "guidance shown to the author.",
        max_length=40_000,
    )

    def pairs(self) -> list[tuple[str, str]]:
        lines = [line for line in self.cleaned_data["sections"].splitlines() if line.strip()]
        return [tuple(part.strip() for part in (line.split("|", 1) + [""])[:2]) for line in lines]


class ApprovalsForm(forms.Form):
    """One optional number per severity (`approvals_<key>`); empty uses the setting."""

    def __init__(self, *args, severities, current: dict, default: int, **kwargs):
        self.severities = list(severities)
        super().__init__(*args, **kwargs)
        for severity in self.severities:
            self.fields[f"approvals_{severity.key}"] = forms.IntegerField(
                label=f"{severity.key} {severity.name}",
                required=False,
                min_value=1,
                max_value=20,
                initial=current.get(severity.pk),
                help_text=f"Empty: {default} (TOCSIN_POSTMORTEM_APPROVALS).",
            )

    def wanted(self):
        return [(s, self.cleaned_data[f"approvals_{s.key}"]) for s in self.severities]
