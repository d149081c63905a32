from django.contrib import admin

from .models import Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "url", "enabled", "created_at"]
    list_filter = ["enabled", "team"]
    search_fields = ["name", "url"]
    list_select_related = ["team"]
    fields = ["team", "name", "url", "events", "enabled", "created_by", "created_at"]
    # Only switching one on or off here: the URL and event checks run in the services, which
    # the API and the Webhooks page use.
    readonly_fields = ["team", "name", "url", "events", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False
