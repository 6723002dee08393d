"""What the outbox worker posts to the agents' group: topics, cards, evidence, notes, and
the buyer's messages. Each item names its ticket and is read fresh from the database when
it is sent, so a card always shows the ticket as it is by then."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.agents import receipts
from bot.agents.card import CardFacts, card_keyboard, card_text, is_shortened, topic_name
from bot.agents.recovery import TicketRecovery
from bot.agents.sending import (
    NO_CAPTION,
    albums,
    chunks,
    copy_headed,
    input_media,
    send_file,
    send_headed,
    where_in_group,
)
from bot.channels.delivery import BuyerDelivery
from bot.services.clock import Clock
from bot.services.followups import Pending
from bot.services.groups import AgentGroupService
from bot.services.people import PeopleService
from bot.services.records import AttachmentRecord, GroupRecord, TicketRecord
from bot.services.tickets import TicketService
from bot.telegram_errors import card_gone, not_modified, thread_gone
from bot.texts import t
from bot.views.aftercare import rating_text
from bot.views.evidence import evidence_note
from bot.views.reply import shown_length
from storage.models import AuthorKind

if TYPE_CHECKING:
    from bot.channels.web.files import WebFiles

log = logging.getLogger(__name__)

STORED_PREFIX = "web:"  # files the web chat received are kept by the service, not Telegram

# What the outbox carries for the group, by kind.
TICKET, REFRESH, NOTE, RELAY, EDIT = "ticket", "refresh", "note", "relay", "edit"
FILE = "file"  # a file moved to the ticket by a merge: {"number", "attachment": its id}
ALERT = "alert"  # a message of the bot to the group about no ticket (the shop alert)
CARD_COMMENT_CHARS = 300  # the card shows the comment's beginning; the topic has it whole


class CardWriter:
    """The text of a ticket's card, as agents see it now."""

    def __init__(
        self, tickets: TicketService, people: PeopleService, *, language: str, timezone: str,
        clock: Clock, buyers: BuyerDelivery | None = None,
    ) -> None:  # fmt: skip
        self.tickets, self.people = tickets, people
        self.language, self.timezone, self.clock = language, timezone, clock
        self.buyers = buyers if buyers is not None else BuyerDelivery(people, {})

    async def channel(self, ticket: TicketRecord) -> str:
        """The buyer's channel (telegram, web): cards and topics of other channels say which."""
        return await self.buyers.channel_name(ticket.owner_id)

    async def text(self, ticket: TicketRecord) -> str:
        evidence = await self.tickets.list_attachments(ticket.number)
        assignee = None
        if ticket.assignee_id is not None:
            person = await self.people.get_or_create(ticket.assignee_id)
            assignee = person.display_name or str(ticket.assignee_id)
        rating = await self.rating_line(ticket)
        facts = CardFacts(
            len(evidence), assignee, rating, assignee_id=ticket.assignee_id,
            evidence_note=evidence_note(evidence, self.language),
            channel=await self.channel(ticket),
        )  # fmt: skip
        return card_text(ticket, facts, self.language, self.timezone, self.clock())

    async def rating_line(self, ticket: TicketRecord) -> str | None:
        """The buyer's rating as the card shows it; no rating, no line."""
        rating = await self.tickets.rating_of(ticket.id)
        if rating is None:
            return None
        return rating_text(rating, self.language, "rating.card_line", limit=CARD_COMMENT_CHARS)


class GroupPoster:
    """Sends one outbox item to the agents' group; Telegram's errors go to the worker."""

    def __init__(
        self, bot: Bot, groups: AgentGroupService, tickets: TicketService, cards: CardWriter,
        files: WebFiles | None = None,
    ) -> None:  # fmt: skip
        self.bot, self.groups, self.tickets, self.cards = bot, groups, tickets, cards
        self.language = cards.language
        self.files = files
        self.recovery = TicketRecovery(self)
        self._cards_shown = CardsShown()

    def media(self, file_id: str | None) -> str | InputFile | None:
        """A Telegram file id as it is; a file the web chat received, read for upload."""
        if not file_id or not file_id.startswith(STORED_PREFIX) or self.files is None:
            return file_id
        return self.files.input_file(file_id)

    async def deliver(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Sends the item; a ticket whose topic or card is gone (deleted by an agent, or left
        in a group no longer linked) is posted again first, so nothing for it is lost. A note
        returns its (last) message id, for what follows it."""
        if kind == ALERT:
            return await self.alert(payload["text"])
        ticket = await self.tickets.get(payload["number"])
        if kind == TICKET:
            await self.post_ticket(ticket)
            return None
        if kind not in (REFRESH, NOTE, RELAY, EDIT, FILE):
            log.error("Unknown outbox item %s for %s", kind, ticket.number)
            return None
        ticket = await self.recovery.into_active_group(ticket)
        try:
            return await self._send_item(kind, payload, ticket)
        except BadRequest as error:
            if not (thread_gone(error) or card_gone(error)):
                raise
            log.info("The topic or card of %s was deleted; posting it again", ticket.number)
            ticket = await self.recovery.repost(ticket, keep_topic=not thread_gone(error))
            if kind in (REFRESH, FILE):  # the ticket just posted again shows them as they are
                return None
            return await self._send_item(kind, payload, ticket)

    async def _send_item(
        self, kind: str, payload: dict[str, Any], ticket: TicketRecord
    ) -> int | None:
        if kind == REFRESH:
            await self.refresh_card(ticket)
        elif kind == NOTE:
            return await self.note(ticket, payload["text"], payload.get("row"))
        elif kind == EDIT:
            await self.edit_relayed(ticket, payload["row"], payload["text"], payload["caption"])
        elif kind == FILE:
            return await self.moved_file(ticket, payload["attachment"])
        else:
            items = [(row, Pending.from_json(p)) for row, p in payload["items"]]
            await self.relay_from_buyer(ticket, items)

    async def post_ticket(self, ticket: TicketRecord) -> None:
        """The ticket's topic (in a forum), its card, then its evidence; a card is posted once."""
        group = await self.groups.active()
        if group is None:
            return
        if ticket.group_chat_id == group.chat_id and ticket.group_card_message_id is not None:
            return  # posted already
        thread = ticket.group_topic_id if ticket.group_chat_id == group.chat_id else None
        ticket = await self.post_card(ticket, group, thread)
        await self._post_whole_description(ticket)
        await self._post_evidence(ticket)

    async def post_card(
        self, ticket: TicketRecord, group: GroupRecord, thread: int | None
    ) -> TicketRecord:
        """The card in `thread`; in a forum without one, in a new topic of the ticket."""
        if group.is_forum and thread is None:
            thread = await self.new_topic(ticket, group)
        card = await self.bot.send_message(
            group.chat_id,
            await self.cards.text(ticket),
            reply_markup=card_keyboard(ticket, self.language),
            message_thread_id=thread,
        )
        return await self.tickets.set_group_thread(
            ticket.number, chat_id=group.chat_id, topic_id=thread, card_message_id=card.message_id
        )

    async def new_topic(self, ticket: TicketRecord, group: GroupRecord) -> int:
        """A topic for the ticket in the forum, remembered before anything is posted in it."""
        channel = await self.cards.channel(ticket)
        topic = await self.bot.create_forum_topic(
            group.chat_id, topic_name(ticket, self.language, channel)
        )
        await self.tickets.set_group_thread(
            ticket.number, chat_id=group.chat_id, topic_id=topic.message_thread_id,
            card_message_id=None,
        )  # fmt: skip
        return topic.message_thread_id

    async def refresh_card(self, ticket: TicketRecord) -> None:
        """Rewrites the card in place with the ticket as it is now."""
        if ticket.group_chat_id is None or ticket.group_card_message_id is None:
            return
        card = (ticket.group_chat_id, ticket.group_card_message_id)
        text, keyboard = await self.cards.text(ticket), card_keyboard(ticket, self.language)
        if self._cards_shown.same(card, text, keyboard):
            return  # two changes refreshed it already: another edit would only spend the quota
        try:
            await self.bot.edit_message_text(
                text, chat_id=card[0], message_id=card[1], reply_markup=keyboard
            )
        except BadRequest as error:
            if not not_modified(error):
                raise
        self._cards_shown.remember(card, text, keyboard)

    async def note(self, ticket: TicketRecord, text: str, row: int | None = None) -> int | None:
        """A note of the bot in the ticket's topic (or under its card); a text too long for
        one message goes in several, nothing cut."""
        if ticket.group_chat_id is None:
            return None
        parts = [text] if shown_length(text) <= MessageLimit.MAX_TEXT_LENGTH else chunks(text)
        for part in parts:
            sent = await self.bot.send_message(ticket.group_chat_id, part, **where_in_group(ticket))
        if row is not None:
            await self.tickets.place_message(row, group=(sent.chat_id, sent.message_id))
        return sent.message_id

    async def alert(self, text: str) -> int | None:
        """A message of the bot to the linked group, in its general thread."""
        group = await self.groups.active()
        if group is None:
            log.warning("No group is linked; an alert for it was not posted")
            return None
        return (await self.bot.send_message(group.chat_id, text)).message_id

    async def moved_file(self, ticket: TicketRecord, attachment: int) -> int | None:
        """A file moved to the ticket by a merge, shown in its topic and mapped to it, so a
        reply to it reaches the ticket's buyer (a file deleted since is not shown)."""
        files = await self.tickets.list_attachments(ticket.number)
        item = next((a for a in files if a.id == attachment), None)
        if ticket.group_chat_id is None or item is None or not item.file_id:
            return None
        caption = escape(item.caption) if item.caption else None
        sent = await send_file(self.bot, item.kind, ticket.group_chat_id, self.media(item.file_id),
                               caption, **where_in_group(ticket))  # fmt: skip
        await self.tickets.add_message(
            ticket.number, author_kind=AuthorKind.SYSTEM, text=None,
            group_chat_id=sent.chat_id, group_message_id=sent.message_id,
        )  # fmt: skip
        return sent.message_id

    async def relay_from_buyer(
        self, ticket: TicketRecord, items: Sequence[tuple[int, Pending]]
    ) -> None:
        """Shows the buyer's messages in the ticket's topic, files included."""
        if ticket.group_chat_id is None or ticket.group_card_message_id is None:
            return  # no card in the group; the messages are in the ticket's record
        header = t(self.language, "agent.buyer_says")
        where = where_in_group(ticket)
        on_telegram = await self.cards.channel(ticket) == "telegram"
        for row_id, pending in items:
            if pending.evidence is not None and (pending.evidence.file_id or "").startswith(
                STORED_PREFIX
            ):
                sent = await self._send_stored(ticket.group_chat_id, header, pending, **where)
            elif pending.shared is not None or _without_caption(pending):
                # A sticker, a place, a contact, a video note: shown as Telegram shows it,
                # under the header (none of them takes a caption).
                await self.bot.send_message(ticket.group_chat_id, header, **where)
                source = (pending.chat_id, pending.message_id)
                sent = await self.bot.copy_message(ticket.group_chat_id, *source, **where)
            elif pending.evidence is not None:
                source = (pending.chat_id, pending.message_id)
                sent = await copy_headed(
                    self.bot, ticket.group_chat_id, header, pending.text, source, **where
                )
            else:
                text = escape(pending.text or "")
                sent = await send_headed(
                    self.bot, ticket.group_chat_id, header, f"{header}\n{text}", text, **where
                )
            await self.tickets.place_message(row_id, group=(ticket.group_chat_id, sent.message_id))
            if on_telegram:
                await receipts.mark(
                    self.bot, pending.chat_id, pending.message_id, receipts.SEEN_BY_AGENTS
                )

    async def edit_relayed(self, ticket: TicketRecord, row: int, text: str | None,
                           caption: bool) -> None:  # fmt: skip
        """The buyer edited a relayed message: its copy in the topic shows the new text,
        marked as edited; a copy Telegram no longer lets the bot edit gets a new message."""
        relayed = await self.tickets.message(row)
        if relayed.group_chat_id is None or relayed.group_message_id is None:
            return  # never shown in the group (no group then): the record has the new text
        mark = t(self.language, "kinds.edited_mark")
        header = f"{t(self.language, 'agent.buyer_says')} {mark}"
        body = f"{header}\n{escape(text or '')}" if text else header
        where = {"chat_id": relayed.group_chat_id, "message_id": relayed.group_message_id}
        limit = MessageLimit.CAPTION_LENGTH if caption else MessageLimit.MAX_TEXT_LENGTH
        try:
            if shown_length(body) > limit:
                raise BadRequest("message is too long")
            if caption:
                await self.bot.edit_message_caption(caption=body, **where)
            else:
                await self.bot.edit_message_text(body, **where)
        except BadRequest as error:
            if not_modified(error):
                return
            log.info("The topic's copy of a buyer's message was not edited: %s", error)
            line = t(self.language, "kinds.buyer_edited_line")
            await self.note(ticket, f"{line}\n{escape(text or '')}")

    async def _send_stored(self, chat_id: int, header: str, pending: Pending, **where) -> Message:
        """A file the buyer uploaded in the web chat (kept by the service), captioned."""
        item = pending.evidence
        full = header + (f"\n{escape(pending.text)}" if pending.text else "")
        if shown_length(full) > MessageLimit.CAPTION_LENGTH:
            await self.bot.send_message(chat_id, header, **where)
            full = escape(pending.text or "")[: MessageLimit.CAPTION_LENGTH] or None
        return await send_file(
            self.bot, item.kind, chat_id, self.media(item.file_id), full, **where
        )

    async def _post_whole_description(self, ticket: TicketRecord) -> None:
        """A description longer than the card shows follows it whole, in as many messages
        as Telegram needs."""
        if not is_shortened(ticket):
            return
        count = len(ticket.description or "")
        header = t(self.language, "agent.full_description", count=count)
        for part in chunks(f"{header}\n{escape(ticket.description or '')}"):
            await self.note(ticket, part)

    async def _post_evidence(self, ticket: TicketRecord) -> None:
        attachments = [a for a in await self.tickets.list_attachments(ticket.number) if a.file_id]
        if not attachments:
            return
        await self.note(ticket, t(self.language, "agent.evidence_header", count=len(attachments)))
        for batch in albums(attachments):
            for message in await self._send_media(ticket, batch):
                await self.tickets.add_message(
                    ticket.number,
                    author_kind=AuthorKind.SYSTEM,
                    text=None,
                    group_chat_id=message.chat_id,
                    group_message_id=message.message_id,
                )

    async def _send_media(
        self, ticket: TicketRecord, batch: list[AttachmentRecord]
    ) -> Sequence[Message]:
        where = where_in_group(ticket)
        if len(batch) == 1:
            item = batch[0]
            caption = escape(item.caption) if item.caption else None
            media = self.media(item.file_id)
            return [await send_file(self.bot, item.kind, ticket.group_chat_id, media, caption,
                                    **where)]  # fmt: skip
        media = [input_media(item, self.media(item.file_id)) for item in batch]
        return await self.bot.send_media_group(ticket.group_chat_id, media, **where)


def _without_caption(pending: Pending) -> bool:
    return pending.evidence is not None and pending.evidence.kind in NO_CAPTION


class CardsShown:
    """What this process last wrote on each card, so an unchanged refresh is not sent: each
    edit counts against the group's 20 messages a minute, and Telegram refuses a same-content
    edit anyway. Bounded; a card forgotten or edited elsewhere is simply written again."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._shown: OrderedDict[tuple[int, int], int] = OrderedDict()

    @staticmethod
    def _digest(text: str, keyboard: InlineKeyboardMarkup | None) -> int:
        return hash((text, json.dumps(keyboard.to_dict() if keyboard else None, sort_keys=True)))

    def same(self, card: tuple[int, int], text: str, keyboard) -> bool:
        return self._shown.get(card) == self._digest(text, keyboard)

    def remember(self, card: tuple[int, int], text: str, keyboard) -> None:
        self._shown[card] = self._digest(text, keyboard)
        self._shown.move_to_end(card)
        while len(self._shown) > self._size:
            self._shown.popitem(last=False)
