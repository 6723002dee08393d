"""Commands in the agents' group: /link, /unlink, /claim, /assign, /ticket, /note,
/canned, /resolve and /reject."""

from __future__ import annotations

from html import escape

from telegram import Message, Update, User
from telegram.constants import MessageEntityType

from bot.agents import actions
from bot.agents.access import linked_group_of, missing_rights, ticket_of_message
from bot.agents.canned import canned_text, load_canned
from bot.context import Context, Services
from bot.handlers.common import services
from bot.outbox.followups import followup
from bot.services.prompts import POSTED as PROMPT_POSTED
from bot.services.records import GroupRecord, TicketRecord
from bot.texts import t
from storage.errors import InvalidTransition, TicketNotFound
from storage.models import AuthorKind

AGENT_COMMANDS = ("claim", "assign", "ticket", "note", "canned", "resolve", "reject")


def _lang(context: Context) -> str:
    return services(context).settings.agent_language


async def _reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def link(update: Update, context: Context) -> None:
    """Makes this group the agents' group (service administrators only)."""
    svc, chat, user = services(context), update.effective_chat, update.effective_user
    if user is None or user.id not in svc.settings.admin_ids:
        await _reply(update, t(_lang(context), "agent.link_refused"))
        return
    if chat is None or chat.type == chat.PRIVATE:
        await _reply(update, t(_lang(context), "agent.link_not_group"))
        return
    group = await svc.groups.link(
        chat.id, is_forum=bool(chat.is_forum), title=chat.title, linked_by=user.id
    )
    forum = t(_lang(context), "agent.linked_forum") if group.is_forum else ""
    await _reply(update, t(_lang(context), "agent.linked", forum=forum))
    await _report_rights(update, context, group)
    await svc.agents.post_pending_cards(await svc.tickets.without_card())


async def _report_rights(update: Update, context: Context, group: GroupRecord) -> None:
    missing = await missing_rights(context.bot, group.chat_id, group.is_forum)
    language = _lang(context)
    if missing:
        names = "、".join(t(language, key) for key in missing)
        await _reply(update, t(language, "agent.rights_missing", missing=names))
    else:
        await _reply(update, t(language, "agent.rights_ok"))


async def unlink(update: Update, context: Context) -> None:
    """Stops sending tickets to this group (service administrators only)."""
    svc, user, chat = services(context), update.effective_user, update.effective_chat
    if user is None or user.id not in svc.settings.admin_ids or chat is None:
        await _reply(update, t(_lang(context), "agent.link_refused"))
        return
    if await svc.groups.unlink(chat.id, user.id):
        await _reply(update, t(_lang(context), "agent.unlinked"))


def _text_after_command(message: Message | None) -> str:
    """What follows the command, line breaks kept (context.args splits it into words)."""
    parts = (message.text or "").split(maxsplit=1) if message is not None else []
    return parts[1].strip() if len(parts) > 1 else ""


async def _ticket_here(update: Update, context: Context) -> TicketRecord | None:
    """The ticket the command is about, or a hint when it is about none (or not allowed)."""
    svc, message = services(context), update.effective_message
    group = await linked_group_of(update, svc.groups)
    if group is None or message is None:
        await _reply(update, t(_lang(context), "agent.not_agent"))
        return None
    ticket = await ticket_of_message(message, group, svc.tickets)
    if ticket is None:
        await _reply(update, t(_lang(context), "agent.no_ticket_here"))
    elif update.effective_user is not None:
        user = update.effective_user
        await svc.people.get_or_create(user.id, user.full_name)
    return ticket


async def claim(update: Update, context: Context) -> None:
    """Assigns the ticket of this topic to the agent who sent /claim."""
    ticket = await _ticket_here(update, context)
    if ticket is not None and update.effective_user is not None:
        user = update.effective_user
        await actions.assign(services(context), ticket.number, user, user)


async def assign(update: Update, context: Context) -> None:
    """Assigns the ticket to the agent replied to, mentioned, or named by user id."""
    ticket = await _ticket_here(update, context)
    if ticket is None or update.effective_user is None:
        return
    assignee = await _named_agent(update.effective_message, context)
    if assignee is None:
        await _reply(update, t(_lang(context), "agent.assign_how"))
        return
    await actions.assign(services(context), ticket.number, update.effective_user, assignee)


async def _named_agent(message: Message, context: Context) -> User | None:
    reply = message.reply_to_message
    if reply is not None and reply.from_user and not reply.from_user.is_bot:
        if not reply.forum_topic_created:
            return reply.from_user
    for entity in message.entities:
        if entity.type == MessageEntityType.TEXT_MENTION and entity.user:
            return entity.user
    if context.args and context.args[0].lstrip("-").isdigit():
        member = await context.bot.get_chat_member(message.chat_id, int(context.args[0]))
        return member.user
    return None


async def ticket(update: Update, context: Context) -> None:
    """Shows a ticket's card again, with a link to its topic."""
    svc = services(context)
    if await linked_group_of(update, svc.groups) is None:
        await _reply(update, t(_lang(context), "agent.not_agent"))
        return
    if not context.args:
        await _reply(update, t(_lang(context), "agent.ticket_usage"))
        return
    number = context.args[0].upper()
    try:
        found = await svc.tickets.get(number)
    except TicketNotFound:
        await _reply(update, t(_lang(context), "agent.unknown_ticket", number=escape(number)))
        return
    text = await svc.agents.card_of(found)
    link = topic_link(found)
    if link:
        text += "\n\n" + t(_lang(context), "agent.ticket_link", number=found.number, link=link)
    await _reply(update, text)


def topic_link(ticket: TicketRecord) -> str | None:
    """t.me link to the ticket's topic (or card) in a supergroup."""
    if ticket.group_chat_id is None or not str(ticket.group_chat_id).startswith("-100"):
        return None
    internal = str(ticket.group_chat_id)[4:]
    target = ticket.group_topic_id or ticket.group_card_message_id
    return f"https://t.me/c/{internal}/{target}" if target else None


async def note(update: Update, context: Context) -> None:
    """Keeps an internal note with the ticket; the buyer never sees it."""
    ticket = await _ticket_here(update, context)
    if ticket is None:
        return
    text = _text_after_command(update.effective_message)
    if not text:
        await _reply(update, t(_lang(context), "agent.note_empty"))
        return
    message = update.effective_message
    await services(context).tickets.add_message(
        ticket.number,
        author_kind=AuthorKind.INTERNAL,
        author_id=update.effective_user.id if update.effective_user else None,
        text=text,
        group_chat_id=message.chat_id,
        group_message_id=message.message_id,
    )
    await _reply(update, t(_lang(context), "agent.note_saved"))


async def canned(update: Update, context: Context) -> None:
    """Lists the canned answers, or sends one to the buyer of this topic's ticket."""
    svc = services(context)
    path = svc.settings.canned_answers_file
    answers = load_canned(path)
    language = _lang(context)
    if not context.args:
        if await linked_group_of(update, svc.groups) is None:
            await _reply(update, t(language, "agent.not_agent"))
        elif not answers:
            await _reply(update, t(language, "agent.canned_empty", path=escape(str(path))))
        else:
            items = "\n".join(
                f"• <code>{escape(name)}</code>: {escape(text)}"
                for name in answers
                if (text := canned_text(answers, name, language))
            )
            await _reply(update, t(language, "agent.canned_list", items=items))
        return
    ticket = await _ticket_here(update, context)
    if ticket is None:
        return
    name = context.args[0]
    buyer = await svc.people.get_or_create(ticket.owner_id)
    text = canned_text(answers, name, buyer.language or "zh")
    if text is None:
        await _reply(update, t(language, "agent.canned_unknown", name=escape(name)))
        return
    await svc.agents.send_answer(ticket, text, update.effective_message, update.effective_user.id)


async def decide(update: Update, context: Context, action: str) -> None:
    """/resolve TEXT or /reject TEXT: decides the ticket with its reasons for the buyer."""
    ticket = await _ticket_here(update, context)
    if ticket is None or update.effective_user is None:
        return
    explanation = _text_after_command(update.effective_message)
    if not explanation:
        await svc_prompt(update, context, ticket, action)
        return
    await apply_decision(update, context, ticket.number, action, explanation)


async def resolve(update: Update, context: Context) -> None:
    """Resolves the ticket with the explanation given after the command."""
    await decide(update, context, "resolve")


async def reject(update: Update, context: Context) -> None:
    """Rejects the ticket with the reasons given after the command."""
    await decide(update, context, "reject")


async def svc_prompt(update: Update, context: Context, ticket: TicketRecord, action: str) -> None:
    """Asks the agent for the explanation, as a message they answer by replying."""
    svc = services(context)
    if update.effective_user is None or ticket.group_chat_id is None:
        return
    opened = followup(PROMPT_POSTED, number=ticket.number, action=action,
                      agent=update.effective_user.id, chat=ticket.group_chat_id)  # fmt: skip
    await svc.agents.ask_in_ticket(
        ticket, t(_lang(context), f"agent.explain_{action}"), after=opened
    )


async def apply_decision(
    update: Update, context: Context, number: str, action: str, explanation: str
) -> bool:
    """Changes the status to resolved or rejected with the explanation; False if not allowed."""
    svc: Services = services(context)
    try:
        await actions.change_status(
            svc, number, actions.DECISIONS[action], update.effective_user, explanation
        )
    except InvalidTransition as error:
        status = t(_lang(context), f"status.{error.current.value}")
        await _reply(update, t(_lang(context), "agent.invalid_transition", status=status))
        return False
    return True


async def unknown(update: Update, context: Context) -> None:
    """A command the agents' group does not have (a buyer's, say): lists the ones it has."""
    svc, chat, message = services(context), update.effective_chat, update.effective_message
    group = await svc.groups.active()
    if group is None or chat is None or message is None or chat.id != group.chat_id:
        return  # a group that is not linked: the bot stays out of its conversation
    _, _, addressee = (message.text or "/").split(maxsplit=1)[0].partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # meant for another bot in the group
    await _reply(update, t(_lang(context), "agent.unknown_command"))


async def from_outside(update: Update, context: Context) -> None:
    """An agent command outside the agents' group: refused and logged."""
    await linked_group_of(update, services(context).groups)
    await _reply(update, t(_lang(context), "agent.not_agent"))


COMMANDS = {
    "link": link, "unlink": unlink, "claim": claim, "assign": assign, "ticket": ticket,
    "note": note, "canned": canned, "resolve": resolve, "reject": reject,
}  # fmt: skip
