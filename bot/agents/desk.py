"""Brings tickets to the agents' group."""

from __future__ import annotations

from bot.services.records import TicketRecord


class AgentDesk:
    """Posts new tickets to the linked agents' group (none linked yet: nothing to post)."""

    async def ticket_filed(self, ticket: TicketRecord) -> None:
        """A new ticket stays in the database until a group is linked to take it."""
