from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    name = "tocsin.runbooks"
    label = "runbooks"
    verbose_name = "Runbooks"

    def ready(self):
        from tocsin.alerting import rule_runbooks

        from .selectors import runbooks_of_rules

        # The routing rule pages and the rules API show a rule's runbook of Tocsin's.
        rule_runbooks.register(runbooks_of_rules)
