from django.urls import path

from . import views

urlpatterns = [
    path("incidents/<int:pk>/hotfixes/new/", views.record, name="hot-fix-record"),
    path("hotfixes/<int:pk>/", views.detail, name="hot-fix-detail"),
    path("hotfixes/<int:pk>/targets/", views.add_target, name="hot-fix-add-target"),
    path(
        "hotfixes/<int:pk>/targets/<int:target>/remove/",
        views.remove_target,
        name="hot-fix-remove-target",
    ),
    path(
        "hotfixes/<int:pk>/targets/<int:target>/done/",
        views.merge_back,
        name="hot-fix-merge-back",
    ),
]
