from django.urls import path

from . import views

urlpatterns = [
    path("teams/<slug:slug>/drills/", views.drill_list, name="drill-list"),
    path("teams/<slug:slug>/drills/new/", views.scenario_create, name="drill-scenario-create"),
    path("drills/scenarios/<int:pk>/edit/", views.scenario_edit, name="drill-scenario-edit"),
    path("drills/scenarios/<int:pk>/delete/", views.scenario_delete, name="drill-scenario-delete"),
    path("drills/scenarios/<int:pk>/start/", views.scenario_start, name="drill-scenario-start"),
    path(
        "drills/scenarios/<int:pk>/schedule/",
        views.scenario_schedule,
        name="drill-scenario-schedule",
    ),
    path("drills/<int:pk>/", views.run_detail, name="drill-run"),
    path("drills/<int:pk>/cancel/", views.run_cancel, name="drill-run-cancel"),
]
