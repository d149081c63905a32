"""Pages that combine several domains; may import any app, nothing imports it.

The team pages (a team's open incidents and chats beside its members), the profile (contact
methods and API tokens beside the links to notification rules and Telegram) and the incident
page (with where its paging stands). A page that shows one domain stays in that domain's app,
and so do the actions the pages here post to when they only redirect (the incident actions);
this app is the one place where accounts, incidents, alerting, on-call, notify and webhooks
meet, so that none of them has to know about the apps above it.
"""
