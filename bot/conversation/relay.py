"""After a buyer's message joined a ticket: show it to the agents, and resume the work."""

from __future__ import annotations

from bot.conversation.turn import Turn
from bot.services.followups import AddedToTicket
from bot.views.followups import render_added
from bot.views.reply import Reply
from storage.lifecycle import TicketStatus


async def deliver_followup(turn: Turn, added: AddedToTicket) -> Reply:
    """Relays the messages to the ticket's topic; an awaited answer resumes the investigation."""
    svc, ticket = turn.services, added.ticket
    await svc.agents.relay_from_buyer(ticket, added.items)
    if ticket.status is TicketStatus.WAITING_FOR_BUYER:
        owner = await svc.people.get_or_create(ticket.owner_id)
        resumed = await svc.tickets.change_status(
            ticket.number, TicketStatus.INVESTIGATING, ticket.owner_id, note="buyer replied"
        )
        await svc.agents.status_changed(resumed, ticket.status, owner.display_name or "buyer")
    return render_added(added, turn.language)
