from django.urls import path

from .escalation import views as escalation
from .schedules import calendars
from .schedules import views as schedules

urlpatterns = [
    path("oncall/who-gets-paged/", escalation.who_gets_paged, name="who-gets-paged"),
    path("oncall/policies/", escalation.policy_list, name="policy-list"),
    path("oncall/policies/new/<slug:team>/", escalation.policy_create, name="policy-create"),
    path("oncall/policies/<int:pk>/edit/", escalation.policy_edit, name="policy-edit"),
    path("oncall/policies/<int:pk>/delete/", escalation.policy_delete, name="policy-delete"),
    path(
        "oncall/notification-rules/",
        escalation.notification_rules,
        name="notification-rules",
    ),
    path("schedules/", schedules.schedule_list, name="schedule-list"),
    path("schedules/new/", schedules.schedule_create, name="schedule-create"),
    path("schedules/<int:pk>/", schedules.schedule_detail, name="schedule-detail"),
    path("schedules/<int:pk>/edit/", schedules.schedule_edit, name="schedule-edit"),
    path(
        "schedules/<int:pk>/rotate-calendar/",
        schedules.schedule_rotate_calendar,
        name="schedule-rotate-calendar",
    ),
    path("schedules/<int:pk>/layers/new/", schedules.layer_create, name="layer-create"),
    path("schedules/<int:pk>/layers/<int:layer_pk>/edit/", schedules.layer_edit, name="layer-edit"),
    path(
        "schedules/<int:pk>/layers/<int:layer_pk>/delete/",
        schedules.layer_delete,
        name="layer-delete",
    ),
    path("schedules/<int:pk>/overrides/", schedules.override_create, name="override-create"),
    path(
        "schedules/<int:pk>/overrides/<int:override_pk>/delete/",
        schedules.override_delete,
        name="override-delete",
    ),
    path(
        "schedules/calendar/", calendars.personal_calendar_create, name="personal-calendar-create"
    ),
    path(
        "schedules/calendar/rotate/",
        calendars.personal_calendar_rotate,
        name="personal-calendar-rotate",
    ),
    # Secret subscribe addresses for calendar apps: the token is the credential.
    path(
        "calendars/schedules/<str:token>.ics", calendars.schedule_calendar, name="schedule-calendar"
    ),
    path("calendars/people/<str:token>.ics", calendars.personal_calendar, name="personal-calendar"),
]
