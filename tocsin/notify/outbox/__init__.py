"""The outbox: one row per outbound delivery (models.py), written in the transaction that decided
to send it (services.py). The channels send its rows; the delivery loop (notify/delivery/)
claims them and records how it went."""
