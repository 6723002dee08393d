"""What a merge shows: the buyer told once, both topics noted, the moved files re-posted in
the target's topic, and both cards brought up to date."""

from __future__ import annotations

import logging
from html import escape

from telegram import ReplyParameters
from telegram.error import TelegramError

from bot.agents.desk import AgentDesk
from bot.agents.sending import send_file
from bot.services.merge import MergeResult
from bot.services.records import AttachmentRecord, TicketRecord
from bot.texts import t
from storage.models import AuthorKind

log = logging.getLogger(__name__)


async def announce_merge(
    desk: AgentDesk, result: MergeResult, agent_name: str, links: dict[str, str | None]
) -> None:
    """Tells the buyer in one message, notes the merge in both threads and moves the files."""
    source, target, language = result.source, result.target, desk.language
    buyer = await desk.people.get_or_create(target.owner_id)
    told = t(buyer.language or "zh", "merge.buyer_told", source=source.number,
             target=target.number)  # fmt: skip
    await desk.tell_buyer(target, told)
    here = links.get(target.number)
    there = links.get(source.number)
    await desk.post_in_ticket(
        source,
        t(language, "merge.done_here", target=target.number, agent=escape(agent_name),
          link=t(language, "merge.link", link=here) if here else ""),
    )  # fmt: skip
    await desk.refresh_card(source)
    await desk.post_in_ticket(
        target,
        t(language, "merge.done_there", source=source.number, agent=escape(agent_name),
          messages=len(result.message_ids), files=len(result.attachments),
          link=t(language, "merge.link", link=there) if there else ""),
    )  # fmt: skip
    for attachment in result.attachments:
        await _repost(desk, target, attachment)
    await desk.refresh_card(await desk.tickets.get(target.number))


async def _repost(desk: AgentDesk, target: TicketRecord, item: AttachmentRecord) -> None:
    """Shows a moved file in the target's thread, mapped to the target for replies."""
    if target.group_chat_id is None or not item.file_id:
        return
    caption = escape(item.caption) if item.caption else None
    try:
        media = desk.media(item.file_id)  # a web upload is read from the service's store
        sent = await send_file(
            desk.bot, item.kind, target.group_chat_id, media, caption, **_where(target)
        )
    except TelegramError as error:
        log.warning("A moved file of %s could not be shown: %s", target.number, error)
        return
    await desk.tickets.add_message(
        target.number,
        author_kind=AuthorKind.SYSTEM,
        text=None,
        group_chat_id=sent.chat_id,
        group_message_id=sent.message_id,
    )


def _where(ticket: TicketRecord) -> dict:
    if ticket.group_topic_id is not None:
        return {"message_thread_id": ticket.group_topic_id}
    if ticket.group_card_message_id is not None:
        reply = ReplyParameters(ticket.group_card_message_id, allow_sending_without_reply=True)
        return {"reply_parameters": reply}
    return {}
