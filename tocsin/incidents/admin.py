from django.contrib import admin

from .models import Incident, RoleAssignment, Service, Severity, TimelineEvent


@admin.register(Severity)
class SeverityAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "rank", "pages_oncall", "requires_postmortem", "ack_timeout"]
    ordering = ["rank"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "team"]
    list_filter = ["team"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class _ReadOnly:
    """Incidents change through their services (the web page, the API, the command line, chat),
    which check who may, write the timeline and keep paging true: the admin only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleAssignmentInline(_ReadOnly, admin.TabularInline):
    model = RoleAssignment
    extra = 0


class TimelineEventInline(_ReadOnly, admin.TabularInline):
    model = TimelineEvent
    extra = 0
    fields = ["at", "kind", "actor_name", "via", "message"]


@admin.register(Incident)
class IncidentAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["reference", "title", "severity", "status", "team", "reported_at", "drill"]
    list_filter = ["status", "severity", "team", "drill", "source"]
    search_fields = ["title", "description"]
    raw_id_fields = ["reported_by", "acknowledged_by", "resolved_by"]
    inlines = [RoleAssignmentInline, TimelineEventInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["incident", "at", "kind", "actor_name", "via", "message"]
    list_filter = ["kind", "via"]
