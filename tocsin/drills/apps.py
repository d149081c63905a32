from django.apps import AppConfig


class DrillsConfig(AppConfig):
    name = "tocsin.drills"
    label = "drills"
    verbose_name = "Drills"

    def ready(self):
        from tocsin.incidents import reactions
        from tocsin.incidents.models import Event

        from .reactions import end_the_drill

        reactions.register(
            end_the_drill, order=reactions.DRILLS, kinds=[Event.RESOLVED, Event.CANCELLED]
        )
