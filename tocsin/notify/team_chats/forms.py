"""The form on the team page that adds a chat."""

from django import forms

from .models import ChatKind


class TeamChatForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=ChatKind.choices, initial=ChatKind.TELEGRAM)
    chat_id = forms.CharField(
        label="Chat id",
        max_length=64,
        help_text="Telegram: the group's id, e.g. -1001234567890 (/chatid@YourBot in the group "
        "shows it). Slack: the channel ID, e.g. C0123ABCDEF.",
    )
    name = forms.CharField(
        label="Name", max_length=100, required=False, help_text="E.g. “#payments-incidents”."
    )
