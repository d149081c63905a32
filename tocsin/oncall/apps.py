from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "tocsin.oncall"
    label = "oncall"
    verbose_name = "On-call"

    def ready(self):
        from . import receivers  # noqa: F401
