from django.urls import path

from . import views, views_escalation, views_notification_rules, views_policies

urlpatterns = [
    path("oncall/who-gets-paged/", views_escalation.who_gets_paged, name="who-gets-paged"),
    path("oncall/policies/", views_policies.policy_list, name="policy-list"),
    path("oncall/policies/new/<slug:team>/", views_policies.policy_create, name="policy-create"),
    path("oncall/policies/<int:pk>/edit/", views_policies.policy_edit, name="policy-edit"),
    path("oncall/policies/<int:pk>/delete/", views_policies.policy_delete, name="policy-delete"),
    path(
        "oncall/notification-rules/",
        views_notification_rules.notification_rules,
        name="notification-rules",
    ),
    path("schedules/", views.schedule_list, name="schedule-list"),
    path("schedules/new/", views.schedule_create, name="schedule-create"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule-detail"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule-edit"),
    path(
        "schedules/<int:pk>/rotate-calendar/",
        views.schedule_rotate_calendar,
        name="schedule-rotate-calendar",
    ),
    path("schedules/<int:pk>/layers/new/", views.layer_create, name="layer-create"),
    path("schedules/<int:pk>/layers/<int:layer_pk>/edit/", views.layer_edit, name="layer-edit"),
    path(
        "schedules/<int:pk>/layers/<int:layer_pk>/delete/",
        views.layer_delete,
        name="layer-delete",
    ),
    path("schedules/<int:pk>/overrides/", views.override_create, name="override-create"),
    path(
        "schedules/<int:pk>/overrides/<int:override_pk>/delete/",
        views.override_delete,
        name="override-delete",
    ),
    path("schedules/calendar/", views.personal_calendar_create, name="personal-calendar-create"),
    path(
        "schedules/calendar/rotate/",
        views.personal_calendar_rotate,
        name="personal-calendar-rotate",
    ),
    # Secret subscribe addresses for calendar apps: the token is the credential.
    path("calendars/schedules/<str:token>.ics", views.schedule_calendar, name="schedule-calendar"),
    path("calendars/people/<str:token>.ics", views.personal_calendar, name="personal-calendar"),
]
