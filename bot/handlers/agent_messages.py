"""Messages agents write in their group: answers for the buyer, explanations, or a hint."""

from __future__ import annotations

from telegram import Update

from bot.agents.access import ticket_of_message
from bot.context import Context
from bot.handlers.agent_commands import apply_decision
from bot.handlers.common import services
from bot.texts import t


async def on_group_message(update: Update, context: Context) -> None:
    """Relays what an agent writes about a ticket to its buyer; answers a bot's question."""
    svc, message, user = services(context), update.effective_message, update.effective_user
    group = await svc.groups.active()
    if group is None or message is None or user is None or message.chat_id != group.chat_id:
        return  # a group that is not linked: the bot stays out of its conversation
    language = svc.settings.agent_language
    reply = message.reply_to_message
    if reply is not None:
        prompt = await svc.prompts.find(group.chat_id, reply.message_id)
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
