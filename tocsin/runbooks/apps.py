from django.apps import AppConfig


class RunbooksConfig(AppConfig):
    name = "tocsin.runbooks"
    label = "runbooks"
    verbose_name = "Runbooks"

    def ready(self):
        from tocsin.alerting import rule_runbooks as alerting_rule_runbooks

        from .rules import rule_runbooks

        # The routing rule pages and the rules API show and choose a rule's runbook of Tocsin's.
        alerting_rule_runbooks.register(rule_runbooks)
