"""/dossier in the buyer's chat and the card's dossier button: the PDF and the evidence ZIP.

The buyer's copy goes through the outbox (its files kept on disk until sent), after the
buyer's earlier replies and with the update's done stamp. The agents' copy answers an
agent's press of the card's button at once, where it was pressed: queued behind the group's
backlog (20 messages a minute) the agent would wait for it, and a failed one is pressed again.
"""

from __future__ import annotations

from html import escape

from telegram import Message, ReplyParameters, Update, User

from bot.channels.telegram.buyer import send
from bot.channels.telegram.outbox import text_item
from bot.context import Context
from bot.dossier.make import DossierFiles, make_files
from bot.handlers.common import services
from bot.services.records import TicketRecord
from bot.texts import normalise_language, t
from bot.views.reply import Reply
from bot.views.status import render_not_found
from storage.errors import TicketNotFound


async def answer(update: Update, context: Context, *replies: Reply) -> None:
    await send(context, update.effective_chat.id, replies)


async def buyer_language(update: Update, context: Context) -> str:
    """Records the person (name, Telegram language) and returns the language to answer in."""
    user = update.effective_user
    seed = normalise_language(user.language_code, services(context).settings.default_language)
    person = await services(context).people.get_or_create(user.id, user.full_name, seed)
    return person.language or seed


async def buyer_dossier(update: Update, context: Context) -> None:
    """Sends the buyer the dossier of one of their tickets; others' numbers look unknown."""
    svc, language = services(context), await buyer_language(update, context)
    user_id = update.effective_user.id
    number = context.args[0] if context.args else None
    if number is None:
        mine = await svc.tickets.list_for_owner(user_id)
        if len(mine) != 1:
            await answer(update, context, _choose(mine, language))
            return
        number = mine[0].number
    try:
        dossier = await svc.dossiers.for_buyer(user_id, number)
    except TicketNotFound:
        await answer(update, context, render_not_found(number, language))
        return
    files = await make_files(svc.dossiers, dossier, language, svc.settings.timezone)
    await _queue_for_buyer(context, update.effective_chat.id, files, language)


async def send_agents_dossier(
    context: Context, ticket: TicketRecord, agent: User, card: Message | None
) -> None:
    """Posts the agents' copy (internal notes included) where the card's button was pressed."""
    svc = services(context)
    language = svc.settings.agent_language
    dossier = await svc.dossiers.for_agents(ticket.number)
    files = await make_files(svc.dossiers, dossier, language, svc.settings.timezone)
    where = {}
    if ticket.group_topic_id is not None:
        where["message_thread_id"] = ticket.group_topic_id
    elif card is not None:
        where["reply_parameters"] = ReplyParameters(
            card.message_id, allow_sending_without_reply=True
        )
    chat_id = ticket.group_chat_id if card is None else card.chat_id
    caption = t(language, "dossier.caption_agents", number=ticket.number,
                agent=escape(agent.full_name))  # fmt: skip
    await _post_for_agents(context, chat_id, files, language, where, caption)


async def _queue_for_buyer(
    context: Context, chat_id: int, files: DossierFiles, language: str
) -> None:
    """The PDF, then the ZIP(s) or a note that there are no files, queued as the last step."""
    outbox = services(context).telegram_outbox
    caption = t(language, "dossier.caption_pdf", number=files.number)
    items = [await outbox.document_item(chat_id, files.pdf, files.pdf_name, caption)]
    if not files.zips:
        items.append(text_item(chat_id, Reply(t(language, "dossier.no_files"))))
    for part, data in enumerate(files.zips, 1):
        text = _zip_caption(files, part, language)
        items.append(await outbox.document_item(chat_id, data, files.zip_name(part), text))
    await outbox.queue(chat_id, items, finishes_update=True)


def _choose(tickets: list[TicketRecord], language: str) -> Reply:
    if not tickets:
        return Reply(t(language, "dossier.no_tickets"))
    items = "\n".join(f"• <code>{ticket.number}</code>" for ticket in tickets)
    return Reply(t(language, "dossier.choose", number=tickets[0].number, items=items))


async def _post_for_agents(
    context: Context, chat_id: int, files: DossierFiles, language: str, where: dict, caption: str
) -> None:
    await context.bot.send_document(
        chat_id, files.pdf, filename=files.pdf_name, caption=caption, **where
    )
    if not files.zips:
        await context.bot.send_message(chat_id, t(language, "dossier.no_files"), **where)
    for part, data in enumerate(files.zips, 1):
        text = _zip_caption(files, part, language)
        await context.bot.send_document(
            chat_id, data, filename=files.zip_name(part), caption=text, **where
        )


def _zip_caption(files: DossierFiles, part: int, language: str) -> str:
    if len(files.zips) == 1:
        return t(language, "dossier.caption_zip", number=files.number)
    return t(language, "dossier.caption_zip_part", number=files.number, part=part,
             parts=len(files.zips))  # fmt: skip
