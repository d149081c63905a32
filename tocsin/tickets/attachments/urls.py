from django.urls import path

from . import views
from .uploads import UPLOAD_URL_NAMES  # noqa: F401  (importing it allows their large bodies)

urlpatterns = [
    path("tickets/<int:pk>/attachments/", views.attachment_add, name="ticket-attachment-add"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_id>/<str:name>",
        views.attachment_file,
        name="ticket-attachment",
    ),
]
