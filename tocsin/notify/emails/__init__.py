"""E-mails: what they say (content.py, with the templates in notify/templates/notify/email/) and
queuing them to a person or a team's list (services.py). The e-mail channel sends them."""
