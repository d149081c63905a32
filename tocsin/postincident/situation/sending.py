"""What a situation report sends, queued in the outbox inside the transaction that wrote it:
one e-mail per stakeholder address, and one reply in each of the team's chat threads.

Keys carry the report's generation, so a retry of the same generation never sends twice and a
regeneration sends once more, saying it is an update.
"""

from django.db.models import Q
from django.template.loader import render_to_string

from tocsin.incidents.models import Incident
from tocsin.notify.chat_cards.services import enqueue_chat_notice
from tocsin.notify.conf import incident_url
from tocsin.notify.outbox.models import OutboxChannel, OutboxMessage, Purpose
from tocsin.notify.outbox.services import enqueue
from tocsin.notify.team_chats.models import ChatChannel
from tocsin.statuspage.markdown import render
from tocsin.text import without_bidi_controls

from .models import SituationReport, Stakeholder


def stakeholders_of(incident: Incident):
    """The team's stakeholders, then the incident's own, oldest first."""
    return (
        Stakeholder.objects.filter(Q(team=incident.team_id) | Q(incident=incident))
        .select_related("user")
        .order_by("incident", "added_at", "id")
    )


def addresses_of(incident: Incident) -> list[str]:
    """Each address once, whether it is on the team's list, the incident's, or both."""
    return list(dict.fromkeys(stakeholder.address for stakeholder in stakeholders_of(incident)))


def subject_of(report: SituationReport) -> str:
    incident = report.incident
    drill = "[DRILL] " if report.drill else ""
    updated = "Updated situation report" if report.generation > 1 else "Situation report"
    title = " ".join(without_bidi_controls(incident.title).split())
    return f"{drill}{updated}: {incident.reference} {title}"[:255]


def email_of(report: SituationReport) -> tuple[str, str, str]:
    """(subject, text, html): the text is the Markdown itself; the HTML is it rendered, safe."""
    context = {
        "report": report,
        "incident": report.incident,
        "subject": subject_of(report),
        "body": render(report.markdown),
        "markdown": report.markdown,
        "incident_url": incident_url(report.incident),
    }
    return (
        subject_of(report),
        render_to_string("situation/email.txt", context).strip() + "\n",
        render_to_string("situation/email.html", context),
    )


def mail_the_stakeholders(report: SituationReport) -> list[OutboxMessage]:
    subject, text, html = email_of(report)
    return [
        enqueue(
            idempotency_key=f"situation-report:{report.pk}:{report.generation}:email:{address}",
            channel=OutboxChannel.EMAIL,
            address=address,
            subject=subject,
            body_text=text,
            body_html=html,
            incident=report.incident,
            purpose=Purpose.RESOLUTION,
            data={"situation_report": report.pk, "generation": report.generation},
        )
        for address in addresses_of(report.incident)
    ]


def chat_line(report: SituationReport) -> str:
    incident = report.incident
    what = "Situation report updated" if report.generation > 1 else "Situation report"
    drill = " (drill)" if report.drill else ""
    return f"{what} for {incident.reference}{drill}: {incident_url(incident)}#situation-report"


def reply_in_the_threads(report: SituationReport) -> list[OutboxMessage]:
    """A line with the link in each of the team's chats, in the incident's thread."""
    return [
        enqueue_chat_notice(
            report.incident,
            chat,
            chat_line(report),
            idempotency_key=f"situation-report:{report.pk}:{report.generation}:chat:{chat.pk}",
        )
        for chat in ChatChannel.objects.filter(team=report.incident.team_id).order_by("id")
    ]
