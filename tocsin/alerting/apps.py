from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "tocsin.alerting"
    label = "alerting"
    verbose_name = "Alerting"

    def ready(self):
        from . import receivers  # noqa: F401
