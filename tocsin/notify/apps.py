from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "tocsin.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self):
        from . import receivers  # noqa: F401
