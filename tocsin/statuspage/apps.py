from django.apps import AppConfig


class StatuspageConfig(AppConfig):
    name = "tocsin.statuspage"
    label = "statuspage"
    verbose_name = "Status page"
