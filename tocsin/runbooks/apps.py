from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    name = "tocsin.runbooks"
    label = "runbooks"
    verbose_name = "Runbooks"
