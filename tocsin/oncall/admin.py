from django.contrib import admin

from .models import (
    EscalationLevel,
    EscalationPolicy,
    EscalationRun,
    Layer,
    LayerParticipant,
    LevelTarget,
    NotificationRule,
    Override,
    PersonalCalendar,
    Schedule,
)


class LayerInline(admin.TabularInline):
    model = Layer
    extra = 0
    fields = ["position", "name", "rotation_length", "rotation_unit", "handoff_time", "start_date"]
    show_change_link = True


class OverrideInline(admin.TabularInline):
    model = Override
    extra = 0
    fields = ["user", "starts_at", "ends_at", "reason", "created_by"]
    raw_id_fields = ["user", "created_by"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "time_zone", "created_at"]
    list_filter = ["team"]
    search_fields = ["name"]
    readonly_fields = ["calendar_token_hash", "created_at"]
    inlines = [LayerInline, OverrideInline]


class LayerParticipantInline(admin.TabularInline):
    model = LayerParticipant
    extra = 0
    fields = ["position", "user"]
    raw_id_fields = ["user"]


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "schedule",
        "position",
        "rotation_length",
        "rotation_unit",
        "handoff_time",
        "start_date",
    ]
    list_filter = ["schedule__team", "rotation_unit"]
    inlines = [LayerParticipantInline]


@admin.register(LayerParticipant)
class LayerParticipantAdmin(admin.ModelAdmin):
    list_display = ["layer", "position", "user"]
    raw_id_fields = ["user"]


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ["schedule", "user", "starts_at", "ends_at", "reason", "created_by"]
    list_filter = ["schedule"]
    raw_id_fields = ["user", "created_by"]


@admin.register(PersonalCalendar)
class PersonalCalendarAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    readonly_fields = ["calendar_token_hash", "created_at"]
    raw_id_fields = ["user"]


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0
    fields = ["position", "delay"]
    show_change_link = True


class LevelTargetInline(admin.TabularInline):
    model = LevelTarget
    extra = 0
    raw_id_fields = ["user", "schedule"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "repeat", "created_at"]
    inlines = [EscalationLevelInline]


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = ["policy", "position", "delay"]
    inlines = [LevelTargetInline]


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ["user", "position", "contact_method", "delay"]
    raw_id_fields = ["user", "contact_method"]


@admin.register(EscalationRun)
class EscalationRunAdmin(admin.ModelAdmin):
    # Runs are the engine's timers: look, do not touch.
    list_display = ["incident", "state", "level_index", "repeat_index", "next_at", "started_at"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in EscalationRun._meta.fields]
