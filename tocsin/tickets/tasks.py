"""Support tickets' periodic jobs (tocsin/periodic.py): the attachment folder's clean-up."""

from .attachments.tasks import PERIODIC

__all__ = ["PERIODIC"]
