from django.apps import AppConfig


class HotfixesConfig(AppConfig):
    name = "tocsin.hotfixes"
    label = "hotfixes"
    verbose_name = "Hot fixes"

    def ready(self):
        from . import conf

        conf.check()
