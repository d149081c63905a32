"""Inbound chat actions: what comes back from the chats. Telegram's updates (webhook or long
polling: button presses, /start and /chatid) and Slack's interactivity requests are verified,
parsed and handed to press.py, which acts through the incident services; the person is told
how it went."""
