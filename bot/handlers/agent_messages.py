"""Messages agents write in their group: answers for the buyer, explanations, or a hint."""

from __future__ import annotations

from telegram import Update

from bot.agents.access import ticket_of_message
from bot.context import Context
from bot.evidence.telegram import attachment_of
from bot.handlers.agent_commands import apply_decision
from bot.handlers.common import services
from bot.services.prompts import SETTLE_SECONDS
from bot.texts import t
from storage.models import AuthorKind


async def on_group_message(update: Update, context: Context) -> None:
    """Relays what an agent writes about a ticket to its buyer; answers a bot's question."""
    svc, message, user = services(context), update.effective_message, update.effective_user
    group = await svc.groups.active()
    if group is None or message is None or user is None or message.chat_id != group.chat_id:
        return  # a group that is not linked: the bot stays out of its conversation
    language = svc.settings.agent_language
    reply = message.reply_to_message
    if reply is not None:
        by_bot = reply.from_user is not None and reply.from_user.id == context.bot.id
        settle = SETTLE_SECONDS if by_bot else 0.0
        prompt = await svc.prompts.find(group.chat_id, reply.message_id, settle=settle)
        if prompt is not None:
            explanation = (message.text or message.caption or "").strip()
            if not explanation:
                await message.reply_text(t(language, f"agent.explain_{prompt.action}"))
                return
            if await apply_decision(update, context, prompt.number, prompt.action, explanation):
                await svc.prompts.answered(prompt.id)
            return
    ticket = await ticket_of_message(message, group, svc.tickets)
    if ticket is None:
        await message.reply_text(t(language, "agent.no_ticket_here"))
        return
    if ticket.merged_into is not None:  # its conversation goes on in the ticket it went into
        await message.reply_text(t(language, "merge.write_there", number=ticket.merged_into))
        return
    await svc.people.get_or_create(user.id, user.full_name)
    await svc.agents.relay_to_buyer(ticket, message, user.id)
    await keep_agent_file(svc, ticket.number, message, user.id)


async def on_group_edit(update: Update, context: Context) -> None:
    """An agent edited an answer already relayed: the buyer's copy follows, all versions kept."""
    svc, message = services(context), update.effective_message
    group = await svc.groups.active()
    if group is None or message is None or message.chat_id != group.chat_id:
        return
    relayed = await svc.tickets.find_message(message.chat_id, message.message_id)
    if relayed is None or relayed.author_kind is not AuthorKind.AGENT:
        return  # a command, a note, an explanation: nothing the buyer was sent as it is
    text = message.text if message.text is not None else message.caption
    edited = await svc.versions.edit(message.chat_id, message.message_id, text)
    if edited is not None:
        await svc.agents.agent_edited(await svc.tickets.get(edited.number), edited, message)


async def keep_agent_file(svc, number: str, message, agent_id: int) -> None:
    """An agent's file for the ticket goes into the evidence store like the buyer's."""
    item = attachment_of(message)
    if item is None:
        return
    row = await svc.tickets.find_message(message.chat_id, message.message_id)
    await svc.tickets.add_attachment(
        number, item, ticket_message_id=row.id if row else None, sender_id=agent_id
    )
