from django.contrib import admin, messages

from tocsin.errors import DomainError

from .ack_links.models import AcknowledgeLinkUse
from .outbox.models import OutboxMessage
from .outbox.services import retry_now
from .team_chats.models import ChatChannel


class WrittenByServices:
    """Rows that services write, inside the transaction that decides: the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(WrittenByServices, admin.ModelAdmin):
    list_display = [
        "created_at",
        "purpose",
        "channel",
        "address",
        "incident",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["state", "channel", "purpose"]
    search_fields = ["idempotency_key", "address", "subject", "provider_message_id"]
    list_select_related = ["incident"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    @admin.action(description="Send failed or waiting messages again now")
    def retry_now(self, request, queryset):
        try:
            updated = retry_now(messages=queryset, by=request.user)
        except DomainError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return
        self.message_user(request, f"{updated} message(s) will be sent again within seconds.")


@admin.register(AcknowledgeLinkUse)
class AcknowledgeLinkUseAdmin(WrittenByServices, admin.ModelAdmin):
    list_display = ["used_at", "incident", "user", "link_id"]
    readonly_fields = ["link_id", "incident", "user", "used_at"]
    list_select_related = ["incident", "user"]


@admin.register(ChatChannel)
class ChatChannelAdmin(admin.ModelAdmin):
    """A team's group chats: every incident of the team is posted there (docs/telegram.md)."""

    list_display = ["team", "kind", "name", "chat_id", "created_at"]
    list_filter = ["kind", "team"]
    search_fields = ["name", "chat_id", "team__name"]
    list_select_related = ["team"]
