"""What an agent can do to a ticket, shared by the card's buttons and the commands."""

from __future__ import annotations

from html import escape

from telegram import User

from bot.context import Services
from bot.services.records import TicketRecord
from bot.texts import t
from storage.lifecycle import TicketStatus

# Buttons that change the status at once; resolve and reject first ask for the reasons.
STATUS_OF = {
    "accept": TicketStatus.ACCEPTED,
    "investigate": TicketStatus.INVESTIGATING,
    "ask": TicketStatus.WAITING_FOR_BUYER,
}
DECISIONS = {"resolve": TicketStatus.RESOLVED, "reject": TicketStatus.REJECTED}


async def change_status(
    services: Services,
    number: str,
    new_status: TicketStatus,
    agent: User,
    explanation: str | None = None,
) -> TicketRecord:
    """Changes the status (InvalidTransition if not allowed), then tells everyone concerned."""
    before = await services.tickets.get(number)
    ticket = await services.tickets.change_status(number, new_status, agent.id, note=explanation)
    await services.agents.status_changed(ticket, before.status, agent.full_name, explanation)
    return ticket


async def assign(services: Services, number: str, agent: User, assignee: User) -> TicketRecord:
    """Gives the ticket to `assignee` (an agent claiming it gives it to themselves)."""
    await services.people.get_or_create(assignee.id, assignee.full_name)
    ticket = await services.tickets.assign(number, assignee.id, agent.id)
    await services.agents.refresh_card(ticket)
    language = services.settings.agent_language
    key = "agent.claimed" if agent.id == assignee.id else "agent.assigned"
    await services.agents.post_in_ticket(ticket, t(language, key, agent=escape(assignee.full_name)))
    return ticket
