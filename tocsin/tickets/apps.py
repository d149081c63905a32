from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tocsin.tickets"
    label = "tickets"
    verbose_name = "Support tickets"

    def ready(self):
        from tocsin.incidents import reactions
        from tocsin.incidents.models import Event

        from .attachments import conf as attachment_settings
        from .reactions import incident_cancelled, incident_reopened, incident_resolved

        attachment_settings.check()

        reactions.register(incident_resolved, order=reactions.TICKETS, kinds=[Event.RESOLVED])
        reactions.register(
            incident_reopened, order=reactions.TICKETS_REOPENED, kinds=[Event.REOPENED]
        )
        reactions.register(
            incident_cancelled, order=reactions.TICKETS_CANCELLED, kinds=[Event.CANCELLED]
        )
