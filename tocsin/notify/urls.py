from django.urls import path

from .account_linking import views as account_linking
from .ack_links import views as ack_links
from .deliveries import views as deliveries
from .inbound import slack, telegram
from .team_chats import views as team_chats

urlpatterns = [
    path("ack/<str:token>/", ack_links.ack_link, name="ack-link"),
    path("deliveries/", deliveries.delivery_list, name="delivery-list"),
    path("deliveries/<int:pk>/", deliveries.delivery_detail, name="delivery-detail"),
    # No trailing slash: Slack posts to the URL exactly as entered and follows no redirect.
    path("hooks/slack/interactivity", slack.interactivity, name="slack-interactivity"),
    path("hooks/telegram/", telegram.webhook, name="telegram-webhook"),
    path("profile/telegram/", account_linking.telegram_link, name="telegram-link"),
    path("teams/<slug:slug>/chats/", team_chats.team_chat_add, name="team-chat-add"),
    path(
        "teams/<slug:slug>/chats/<int:chat_pk>/remove/",
        team_chats.team_chat_remove,
        name="team-chat-remove",
    ),
]
