"""A topic per ticket in the buyer's private chat, where the bot has threaded mode.

Bot API 9.3/9.4: a bot whose owner turned threaded mode on in @BotFather reports
`has_topics_enabled` in getMe, and may create topics in its private chats
(`createForumTopic` with the user's id). Each filed ticket gets one, named by its number and
category; everything about the ticket is posted there. The buyer may delete it: Telegram then
answers "message thread not found" (TOPIC_DELETED / TOPIC_ID_INVALID in some cases) and the
topic is made again for the next message. Without threaded mode, every message goes to the
chat's one thread, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Bot
from telegram.error import BadRequest

from bot.services.people import PeopleService
from bot.services.records import TicketRecord
from bot.services.tickets import TicketService
from bot.telegram_errors import thread_gone
from bot.texts import t

log = logging.getLogger(__name__)

T = TypeVar("T")
TOPIC_NAME_CHARS = 128


class BuyerTopics:
    """Finds (or makes) the topic of a ticket in its buyer's private chat."""

    def __init__(
        self, bot: Bot, tickets: TicketService, people: PeopleService, *, enabled: bool = True
    ) -> None:
        self.bot, self.tickets, self.people = bot, tickets, people
        self._available: bool | None = None if enabled else False

    async def available(self) -> bool:
        """Whether the bot has threaded mode: getMe, read once (PTB's start already read it)."""
        if self._available is None:
            try:
                me = self.bot.bot  # filled by Bot.initialize()
            except RuntimeError:
                me = await self.bot.get_me()
            self._available = bool(me.has_topics_enabled)
        return self._available

    async def thread_of(self, number: str) -> int | None:
        """The ticket's topic in the buyer's chat, made now if it has none; None: the chat's
        one thread (no threaded mode, or Telegram refused the topic)."""
        if not await self.available():
            return None
        ticket = await self.tickets.get(number)
        if ticket.buyer_topic_id is not None:
            return ticket.buyer_topic_id
        return await self._create(ticket)

    async def intro(self, ticket: TicketRecord) -> str | None:
        """The first message of a filed ticket's topic, saying what it is for; None without
        threaded mode (the topic itself is made when the message is sent)."""
        if not await self.available():
            return None
        language = await self._language(ticket)
        return t(language, "topics.buyer_topic_intro", number=ticket.number,
                 category=t(language, f"category.{ticket.category}"))  # fmt: skip

    async def in_topic(self, number: str, send: Callable[[int | None], Awaitable[T]]) -> T:
        """Runs `send` with the ticket's topic; a topic the buyer deleted is made again once."""
        thread = await self.thread_of(number)
        try:
            return await send(thread)
        except BadRequest as error:
            if thread is None or not thread_gone(error):
                raise
            log.info("The buyer deleted the topic of %s; making it again", number)
        await self.tickets.set_buyer_topic(number, None)
        return await send(await self.thread_of(number))

    async def _create(self, ticket: TicketRecord) -> int | None:
        language = await self._language(ticket)
        name = t(language, "topics.buyer_topic_name", number=ticket.number,
                 category=t(language, f"category.{ticket.category}"))  # fmt: skip
        try:
            topic = await self.bot.create_forum_topic(ticket.owner_id, name[:TOPIC_NAME_CHARS])
        except BadRequest as error:
            log.warning(
                "Telegram made no topic for %s in the buyer's chat: %s", ticket.number, error
            )
            return None
        await self.tickets.set_buyer_topic(ticket.number, topic.message_thread_id)
        return topic.message_thread_id

    async def _language(self, ticket: TicketRecord) -> str:
        person = await self.people.get_or_create(ticket.owner_id)
        return person.language or "zh"
