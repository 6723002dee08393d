"""A buyer edits a message they sent: the agents' copy follows, every version is kept."""

from __future__ import annotations

from bot.conversation.turn import Turn
from bot.texts import t
from bot.views.reply import Reply


async def on_edited(turn: Turn) -> list[Reply]:
    """An edit of a message relayed to a ticket updates the agents' copy (marked as edited);
    any other edit changes nothing already received, and the buyer is told so."""
    svc, source = turn.services, turn.source
    edited = None
    if source is not None:
        edited = await svc.versions.edit(source.chat_id, source.message_id, turn.event.text)
    if edited is None or edited.owner_id != turn.person_id:
        return [Reply(t(turn.language, "common.edited_message"))]
    ticket = await svc.tickets.get(edited.number)
    await svc.agents.buyer_edited(ticket, edited, caption=turn.event.file is not None)
    return [Reply(t(turn.language, "kinds.edit_passed_on", number=ticket.number))]
