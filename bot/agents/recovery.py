"""A ticket's topic or card posted again in the agents' group when it is gone.

An agent may delete a ticket's topic or its card; a newly linked group (a forum grown past
what Telegram serves reliably, about a million messages) has neither for the tickets filed
before. The next item for such a ticket (a buyer's message, a note, a refreshed card after
an agent's button) posts the card again, in a new topic where needed, with a notice and a
short summary of the conversation so far; then the item itself is sent.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from telegram.error import BadRequest

from bot.services.records import GroupRecord, MessageRecord, TicketRecord
from bot.telegram_errors import thread_gone
from bot.texts import t
from storage.models import AuthorKind

if TYPE_CHECKING:
    from bot.agents.posting import GroupPoster

SUMMARY_MESSAGES = 6
SUMMARY_LINE_CHARS = 200
WHO = {
    AuthorKind.BUYER: "topics.who_buyer",
    AuthorKind.AGENT: "topics.who_agent",
    AuthorKind.INTERNAL: "topics.who_agent",
}


class TicketRecovery:
    """Posts a ticket again where its topic or card is gone."""

    def __init__(self, poster: GroupPoster) -> None:
        self.poster = poster

    async def into_active_group(self, ticket: TicketRecord) -> TicketRecord:
        """A ticket posted in a group that is no longer the linked one is posted again in
        the linked group (its new topic, card and summary) before anything else for it."""
        group = await self.poster.groups.active()
        posted = ticket.group_chat_id is not None and ticket.group_card_message_id is not None
        if group is None or not posted or ticket.group_chat_id == group.chat_id:
            return ticket
        return await self._post_again(ticket, group, None, "topics.moved")

    async def repost(self, ticket: TicketRecord, *, keep_topic: bool) -> TicketRecord:
        """The card again (in the same topic when only the card was deleted, in a new one
        when the topic was), a notice and the summary."""
        group = await self.poster.groups.active()
        if group is None:  # no group linked any more: the items wait in the ticket's record
            return ticket
        same_group = ticket.group_chat_id == group.chat_id
        thread = ticket.group_topic_id if keep_topic and same_group else None
        return await self._post_again(ticket, group, thread, "topics.recovered")

    async def _post_again(
        self, ticket: TicketRecord, group: GroupRecord, thread: int | None, notice: str
    ) -> TicketRecord:
        poster = self.poster
        try:
            ticket = await poster.post_card(ticket, group, thread)
        except BadRequest as error:
            if thread is None or not thread_gone(error):
                raise
            ticket = await poster.post_card(ticket, group, None)  # the topic is gone too
        await poster.note(ticket, t(poster.language, notice))
        await poster.note(ticket, await self.summary(ticket))
        return ticket

    async def summary(self, ticket: TicketRecord) -> str:
        """The latest messages of the conversation, each shortened to a line."""
        language = self.poster.language
        messages = await self.poster.tickets.recent_conversation(
            ticket.number, limit=SUMMARY_MESSAGES
        )
        if not messages:
            return t(language, "topics.summary_empty")
        lines = [t(language, "topics.summary_header", count=len(messages))]
        lines += [self._line(message, language) for message in messages]
        return "\n".join(lines)

    @staticmethod
    def _line(message: MessageRecord, language: str) -> str:
        text = " ".join((message.text or "").split())
        if len(text) > SUMMARY_LINE_CHARS:
            text = text[: SUMMARY_LINE_CHARS - 1] + "…"
        who = t(language, WHO.get(message.author_kind, "topics.who_system"))
        return t(language, "topics.summary_line", who=who, text=escape(text))
