from django.contrib import admin

from .models import Alert, AlertEvent, Integration, MaintenanceWindow, RoutingRule, SeverityMapping


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "team", "service", "enabled", "last_ping_at"]
    list_filter = ["kind", "enabled", "team"]
    readonly_fields = ["token_hash", "created_at", "last_ping_at"]
    exclude = ["token_salt"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "enabled", "integration", "team", "severity", "suppress"]
    list_display_links = ["name"]
    list_editable = ["position", "enabled"]


@admin.register(SeverityMapping)
class SeverityMappingAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "severity"]
    list_filter = ["kind"]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["service", "starts_at", "ends_at", "reason", "created_by"]
    list_filter = ["service"]


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["received_at", "action", "decisions"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["summary", "integration", "status", "count", "severity", "team", "incident"]
    list_filter = ["status", "integration", "team"]
    search_fields = ["summary", "fingerprint"]
    raw_id_fields = ["incident"]
    inlines = [AlertEventInline]
