from django.apps import AppConfig


class PostincidentConfig(AppConfig):
    name = "tocsin.postincident"
    label = "postincident"
    verbose_name = "After the incident"

    def ready(self):
        from tocsin.incidents import reactions
        from tocsin.incidents.models import Event

        from .situation.reactions import write_the_situation_report

        reactions.register(
            write_the_situation_report, order=reactions.POSTINCIDENT, kinds=[Event.RESOLVED]
        )
        from .postmortems import conf as postmortem_settings
        from .postmortems.reactions import draft_the_postmortem

        postmortem_settings.check()

        reactions.register(
            draft_the_postmortem, order=reactions.POSTMORTEMS, kinds=[Event.RESOLVED]
        )
