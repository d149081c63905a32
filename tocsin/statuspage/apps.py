from django.apps import AppConfig


class StatuspageConfig(AppConfig):
    name = "tocsin.statuspage"
    label = "statuspage"
    verbose_name = "Status page"

    def ready(self):
        from tocsin.incidents import reactions
        from tocsin.incidents.models import Event

        from .reactions import publish_automatically

        reactions.register(
            publish_automatically, order=reactions.STATUS_PAGE, kinds=[Event.CREATED]
        )
