from django.urls import path

from . import slack, telegram, views, views_chats, views_linking

urlpatterns = [
    path("ack/<str:token>/", views.ack_link, name="ack-link"),
    # No trailing slash: Slack posts to the URL exactly as entered and follows no redirect.
    path("hooks/slack/interactivity", slack.interactivity, name="slack-interactivity"),
    path("hooks/telegram/", telegram.webhook, name="telegram-webhook"),
    path("profile/telegram/", views_linking.telegram_link, name="telegram-link"),
    path("teams/<slug:slug>/chats/", views_chats.team_chat_add, name="team-chat-add"),
    path(
        "teams/<slug:slug>/chats/<int:chat_pk>/remove/",
        views_chats.team_chat_remove,
        name="team-chat-remove",
    ),
]
