"""Files attached to support tickets: screenshots, HAR files (stored without their secrets) and
screen recordings (docs/tickets.md, "Attachments").

    checked = check_uploads(ticket_or_None, uploads)   # every refusal before anything is stored
    store_attachments(ticket, checked, by=user)        # inside the caller's transaction
    attach(ticket=ticket, uploads=uploads, by=user)    # permission, both, one transaction

The type of a file is decided from its content (checks.py), never from its name; the files live
under TOCSIN_ATTACHMENT_DIR (conf.py), one folder a ticket, named by their checksum (storage.py).
"""
