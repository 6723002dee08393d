"""Who may act on tickets: members of the linked group, inside that group; and whether
the bot itself has the rights it needs there."""

from __future__ import annotations

import logging

from telegram import Bot, ChatMemberAdministrator, ChatMemberRestricted, Message, Update
from telegram.constants import ChatMemberStatus

from bot.services.groups import AgentGroupService
from bot.services.records import GroupRecord, TicketRecord
from bot.services.tickets import TicketService

log = logging.getLogger(__name__)


async def linked_group_of(update: Update, groups: AgentGroupService) -> GroupRecord | None:
    """The linked group if the update comes from it; otherwise None (and it is logged)."""
    chat = update.effective_chat
    group = await groups.active()
    if group is not None and chat is not None and chat.id == group.chat_id:
        return group
    user = update.effective_user
    log.warning(
        "Refused an agent action from chat %s by user %s",
        chat.id if chat else None,
        user.id if user else None,
    )
    return None


async def ticket_of_message(
    message: Message, group: GroupRecord, tickets: TicketService
) -> TicketRecord | None:
    """The ticket a group message is about: a reply to one of its messages, or its topic."""
    reply = message.reply_to_message
    if reply is not None and not reply.forum_topic_created:
        ticket = await tickets.find_ticket_by_message(group.chat_id, reply.message_id)
        if ticket is not None:
            return ticket
    if message.is_topic_message and message.message_thread_id:
        return await tickets.find_ticket_by_topic(group.chat_id, message.message_thread_id)
    return None


async def missing_rights(bot: Bot, chat_id: int, is_forum: bool) -> list[str]:
    """Text keys of the rights the bot lacks in the group (empty when all is well)."""
    member = await bot.get_chat_member(chat_id, bot.id)
    missing = []
    if member.status != ChatMemberStatus.ADMINISTRATOR and not bot.can_read_all_group_messages:
        missing.append("agent.right_admin")  # without it the bot sees only commands and replies
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        missing.append("agent.right_post")
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        missing.append("agent.right_post")
    if is_forum and not (isinstance(member, ChatMemberAdministrator) and member.can_manage_topics):
        missing.append("agent.right_topics")
    return missing
