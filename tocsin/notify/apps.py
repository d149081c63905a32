from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "tocsin.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self):
        from tocsin.incidents import reactions
        from tocsin.incidents.models import Event

        from . import reactions as tell

        stage = reactions.CHAT_AND_EMAIL
        for offset, (react, kinds) in enumerate(
            [
                (tell.post_chat_cards, [Event.CREATED]),
                (tell.edit_chat_cards, tell.EDITS_CHAT),
                (tell.mail_the_resolution, [Event.RESOLVED]),
                (tell.reply_in_the_chats, [Event.RESOLVED, Event.REOPENED, Event.RETRIGGERED]),
                (tell.mail_the_change, [Event.REOPENED, Event.CANCELLED]),
            ]
        ):
            reactions.register(react, order=stage + offset, kinds=kinds)
