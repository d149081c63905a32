from django.urls import path

from . import views

urlpatterns = [
    path("metrics/", views.metrics_page, name="metrics"),
    path("metrics/metrics.csv", views.metrics_csv, name="metrics-csv"),
]
