"""What the delivery loop announces, for the escalation engine and whoever else cares.

Both signals are sent inside the transaction that changed the outbox row, so a receiver that
writes rows (the next contact method's page, a timeline entry) commits or rolls back with it.
"""

from django.dispatch import Signal

# sender=OutboxMessage, message=OutboxMessage, reason=str
# The message will never be delivered: 5xx reply, bad address, or attempts used up. Sent for
# every purpose; for message.purpose == "page" the escalation engine moves on to the person's
# next contact method (message.recipient, message.data["contact_method"]). The timeline entry
# is already written when this is sent.
delivery_failed = Signal()

# sender=OutboxMessage, message=OutboxMessage
# The provider accepted the message (SMTP 250); message.provider_message_id is set. Not sent
# for a message left `sent` without a confirmation (see loop.on_outcome_unknown), nor by a
# worker that lost its claim on the message during the send.
delivery_sent = Signal()
