"""Chat cards: what an incident's message in a chat says (card.py), and queuing it to be posted,
sent as a page, edited in place or replied to in its thread (services.py). The channels in
`notify/channels/` send what is queued here."""
