from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tocsin.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from . import receivers  # noqa: F401
