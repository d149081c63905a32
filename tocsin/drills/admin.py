from django.contrib import admin

from .models import DrillRun, Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "severity", "service", "integration"]
    list_filter = ["team"]


@admin.register(DrillRun)
class DrillRunAdmin(admin.ModelAdmin):
    list_display = ["id", "team", "scenario_title", "status", "scheduled_for", "started_at"]
    list_filter = ["team", "status"]
    readonly_fields = ["incident"]
