from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "tocsin.alerting"
    label = "alerting"
    verbose_name = "Alerting"

    def ready(self):
        from tocsin.incidents import reactions
        from tocsin.incidents.models import Event

        from .reactions import close_alerts_with_their_incident

        reactions.register(
            close_alerts_with_their_incident,
            order=reactions.ALERTS,
            kinds=[Event.RESOLVED, Event.CANCELLED],
        )
