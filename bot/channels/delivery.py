"""Buyer delivery: how everything from the agents' side reaches a buyer on their own channel.

The agents' side (answers, requests for more, status changes, decisions with the rating
buttons, SLA and auto-close notices) calls `BuyerDelivery`; it looks up the buyer's channel
and hands the message to that channel: a Telegram private chat (through the outbox), or the
web chat's outbox. What must follow a message (recording its id, reporting that it could not
be delivered) is given as follow-ups (bot/outbox/followups.py): a queued channel runs them
when the message has been sent, any other channel at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from telegram.error import TelegramError

from bot.outbox.followups import Followup, Followups
from bot.views.reply import Reply

if TYPE_CHECKING:
    from telegram import Message

    from bot.services.people import PeopleService


class BuyerChannel(Protocol):
    """One channel's way of reaching a buyer; each method returns the message id there
    (a channel with `queued = True` takes the follow-ups instead and returns None)."""

    async def send(self, person_id: int, reply: Reply, *, dedupe: str | None = None) -> int | None:
        """With `dedupe`, once per key: a message sent again after a crash is not shown twice
        (None then: nothing was sent)."""
        ...

    async def send_from_group(
        self,
        person_id: int,
        message: Message,
        caption: str | None,
        *,
        ticket: str | None = None,
        dedupe: str | None = None,
    ) -> int | None:
        """A file an agent sent in the group, captioned `caption` (None: its own caption),
        about `ticket` (a channel with a thread per ticket posts it there)."""
        ...

    async def sent_before(self, keys: list[str]) -> set[str]:
        """Which of these dedupe keys a message was sent (or queued) under."""
        ...

    async def edit(self, person_id: int, message_id: int, reply: Reply, *, caption: bool) -> None:
        """Shows `reply` instead of the text (or caption) of a message sent before."""
        ...


class BuyerDelivery:
    """Routes each message to the channel the buyer writes from."""

    def __init__(
        self,
        people: PeopleService,
        channels: dict[str, BuyerChannel],
        followups: Followups | None = None,
    ) -> None:
        self.people, self.channels = people, channels
        self.followups = followups if followups is not None else Followups()
        self._channel_of: dict[int, str] = {}

    def add_channel(self, name: str, channel: BuyerChannel) -> None:
        self.channels[name] = channel

    async def channel_name(self, person_id: int) -> str:
        name = self._channel_of.get(person_id)
        if name is None:
            name = (await self.people.get_or_create(person_id)).channel
            self._channel_of[person_id] = name
        return name

    async def _channel(self, person_id: int) -> BuyerChannel:
        name = await self.channel_name(person_id)
        channel = self.channels.get(name)
        if channel is None:
            raise ChannelUnavailable(name)
        return channel

    async def send(
        self,
        person_id: int,
        reply: Reply,
        *,
        after: Followup | None = None,
        if_undelivered: Followup | None = None,
        dedupe: str | None = None,
    ) -> int | None:
        """Sends (or queues) the message; the message id when the channel knows it now.
        Once per `dedupe` key (a resend after a crash): then None, and nothing follows."""
        channel = await self._channel(person_id)
        if getattr(channel, "queued", False):
            await channel.send(
                person_id, reply, after=after, if_undelivered=if_undelivered, dedupe=dedupe
            )
            return None
        sent = channel.send(person_id, reply, dedupe=dedupe)
        return await self._now(sent, after, if_undelivered)

    async def send_all(
        self,
        person_id: int,
        replies: list[Reply],
        *,
        after: Followup | None = None,
        if_undelivered: Followup | None = None,
    ) -> int | None:
        """The replies in order; the follow-ups go with the last one."""
        last = None
        for i, reply in enumerate(replies):
            final = i == len(replies) - 1
            last = await self.send(
                person_id, reply, after=after if final else None,
                if_undelivered=if_undelivered if final else None,
            )  # fmt: skip
        return last

    async def send_from_group(
        self,
        person_id: int,
        message: Message,
        caption: str | None,
        *,
        ticket: str | None = None,
        after: Followup | None = None,
        if_undelivered: Followup | None = None,
        dedupe: str | None = None,
    ) -> int | None:
        channel = await self._channel(person_id)
        if getattr(channel, "queued", False):
            await channel.send_from_group(
                person_id, message, caption, ticket=ticket,
                after=after, if_undelivered=if_undelivered, dedupe=dedupe,
            )  # fmt: skip
            return None
        sent = channel.send_from_group(person_id, message, caption, ticket=ticket, dedupe=dedupe)
        return await self._now(sent, after, if_undelivered)

    async def sent_before(self, person_id: int, keys: list[str]) -> set[str]:
        """Which of these dedupe keys a message to the buyer went under (on their channel)."""
        try:
            channel = await self._channel(person_id)
        except ChannelUnavailable:
            return set()
        return await channel.sent_before(keys)

    async def _now(self, sending, after: Followup | None, if_undelivered: Followup | None):
        """A channel that sends at once: what follows runs now (not when nothing was sent, a
        message sent before under its key); without `if_undelivered`, its error is the
        caller's."""
        try:
            message_id = await sending
        except TelegramError as error:
            if if_undelivered is None:
                raise
            await self.followups.run(if_undelivered, error)
            return None
        if message_id is not None:
            await self.followups.run(after, message_id)
        return message_id

    async def edit(self, person_id: int, message_id: int, reply: Reply, *, caption: bool) -> None:
        channel = await self._channel(person_id)
        await channel.edit(person_id, message_id, reply, caption=caption)


class ChannelUnavailable(Exception):
    """The buyer's channel is not running in this process (Telegram without a token)."""
