"""A team's chats: the Telegram groups and Slack channels its incidents are posted to, added and
removed by its leads on the team page (views.py, and the `team_chats` tag in templatetags/)."""
