"""Everything the bot does in the agents' group and towards the buyer on their behalf.

Tickets live in the database first; posting them to the group, relaying messages and
telling the buyer happen afterwards, so a Telegram failure never loses a ticket: a card
that could not be posted is posted again by a periodic job, and a message that cannot
reach the buyer is reported in the ticket's topic at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    InputFile,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    MessageId,
    ReplyParameters,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.agents.card import CardFacts, card_keyboard, card_text, is_shortened, topic_name
from bot.channels.delivery import BuyerDelivery, ChannelUnavailable
from bot.services.clock import Clock
from bot.services.followups import Pending
from bot.services.groups import AgentGroupService
from bot.services.people import PeopleService
from bot.services.records import AttachmentRecord, GroupRecord, TicketRecord
from bot.services.tickets import TicketService
from bot.texts import t
from bot.views.aftercare import rating_keyboard, rating_text
from bot.views.reply import Reply, plain_text, shown_length
from bot.views.status import next_step
from storage.lifecycle import TicketStatus
from storage.models import AttachmentKind, AuthorKind

if TYPE_CHECKING:
    from bot.channels.web.files import WebFiles

log = logging.getLogger(__name__)

STORED_PREFIX = "web:"  # files the web chat received are kept by the service, not Telegram

ALBUM_LIMIT = 10
CARD_COMMENT_CHARS = 300  # the card shows the comment's beginning; the topic has it whole


class AgentDesk:
    """The bot's hands in the agents' group."""

    def __init__(
        self,
        bot: Bot,
        groups: AgentGroupService,
        tickets: TicketService,
        people: PeopleService,
        *,
        language: str,
        timezone: str,
        clock: Clock,
        supervisors: Sequence[int] = (),
        buyers: BuyerDelivery | None = None,
        files: WebFiles | None = None,
    ) -> None:
        self.bot, self.groups, self.tickets, self.people = bot, groups, tickets, people
        self.language, self.timezone, self.clock = language, timezone, clock
        self.supervisors = tuple(supervisors)
        # Without a Telegram token (the web chat alone) there is no group to post in:
        # tickets wait for it, as they do before a group is linked.
        self.online = bot is not None
        self.buyers = buyers if buyers is not None else BuyerDelivery(people, {})
        self.files = files

    # ------------------------------------------------------------------ tickets and cards

    async def ticket_filed(self, ticket: TicketRecord) -> None:
        """Posts a new ticket; if Telegram refuses, the pending-cards job tries again."""
        try:
            await self.post_ticket(ticket)
        except TelegramError as error:
            log.warning("Could not post %s to the agents' group yet: %s", ticket.number, error)

    async def post_ticket(self, ticket: TicketRecord) -> None:
        """The ticket's topic (in a forum), its card, then its evidence."""
        group = await self.groups.active() if self.online else None
        if group is None:
            return
        thread = ticket.group_topic_id if ticket.group_chat_id == group.chat_id else None
        if group.is_forum and thread is None:
            channel = await self.buyers.channel_name(ticket.owner_id)
            topic = await self.bot.create_forum_topic(
                group.chat_id, topic_name(ticket, self.language, channel)
            )
            thread = topic.message_thread_id
            ticket = await self.tickets.set_group_thread(
                ticket.number, chat_id=group.chat_id, topic_id=thread, card_message_id=None
            )
        card = await self.bot.send_message(
            group.chat_id,
            await self._card_text(ticket),
            reply_markup=card_keyboard(ticket, self.language),
            message_thread_id=thread,
        )
        ticket = await self.tickets.set_group_thread(
            ticket.number, chat_id=group.chat_id, topic_id=thread, card_message_id=card.message_id
        )
        await self._post_whole_description(ticket)
        await self._post_evidence(ticket)

    async def post_pending_cards(self, tickets: Sequence[TicketRecord]) -> None:
        """Posts cards that could not be posted before (Telegram away, group linked later)."""
        for ticket in tickets:
            await self.ticket_filed(ticket)

    async def refresh_card(self, ticket: TicketRecord) -> None:
        """Rewrites the card in place with the ticket as it is now."""
        if not self.online or ticket.group_chat_id is None or ticket.group_card_message_id is None:
            return
        try:
            await self.bot.edit_message_text(
                await self._card_text(ticket),
                chat_id=ticket.group_chat_id,
                message_id=ticket.group_card_message_id,
                reply_markup=card_keyboard(ticket, self.language),
            )
        except BadRequest as error:
            if "not modified" not in str(error):
                log.warning("Could not update the card of %s: %s", ticket.number, error)

    async def card_of(self, ticket: TicketRecord) -> str:
        return await self._card_text(ticket)

    async def _card_text(self, ticket: TicketRecord) -> str:
        evidence = await self.tickets.list_attachments(ticket.number)
        assignee = None
        if ticket.assignee_id is not None:
            person = await self.people.get_or_create(ticket.assignee_id)
            assignee = person.display_name or str(ticket.assignee_id)
        rating = await self.rating_line(ticket)
        channel = await self.buyers.channel_name(ticket.owner_id)
        facts = CardFacts(
            len(evidence), assignee, rating, assignee_id=ticket.assignee_id, channel=channel
        )
        return card_text(ticket, facts, self.language, self.timezone, self.clock())

    async def rating_line(self, ticket: TicketRecord) -> str | None:
        """The buyer's rating as the card shows it; no rating, no line."""
        rating = await self.tickets.rating_of(ticket.id)
        if rating is None:
            return None
        return rating_text(rating, self.language, "rating.card_line", limit=CARD_COMMENT_CHARS)

    async def _post_whole_description(self, ticket: TicketRecord) -> None:
        """A description longer than the card shows follows it whole, in as many messages
        as Telegram needs."""
        if not is_shortened(ticket):
            return
        count = len(ticket.description or "")
        header = t(self.language, "agent.full_description", count=count)
        for part in _chunks(f"{header}\n{escape(ticket.description or '')}"):
            await self.post_in_ticket(ticket, part)

    async def _post_evidence(self, ticket: TicketRecord) -> None:
        attachments = [a for a in await self.tickets.list_attachments(ticket.number) if a.file_id]
        if not attachments:
            return
        await self.post_in_ticket(
            ticket, t(self.language, "agent.evidence_header", count=len(attachments))
        )
        for batch in _albums(attachments):
            for message in await self._send_media(ticket, batch):
                row = await self.tickets.add_message(
                    ticket.number,
                    author_kind=AuthorKind.SYSTEM,
                    text=None,
                    group_chat_id=message.chat_id,
                    group_message_id=message.message_id,
                )
                log.debug("Evidence of %s posted as message row %s", ticket.number, row.id)

    async def _send_media(
        self, ticket: TicketRecord, batch: list[AttachmentRecord]
    ) -> Sequence[Message]:
        where = self._where(ticket)
        if len(batch) == 1:
            item = batch[0]
            send = {
                AttachmentKind.PHOTO: self.bot.send_photo,
                AttachmentKind.VIDEO: self.bot.send_video,
                AttachmentKind.DOCUMENT: self.bot.send_document,
            }[item.kind]
            caption = escape(item.caption) if item.caption else None
            media = self.media(item.file_id)
            return [await send(ticket.group_chat_id, media, caption=caption, **where)]
        media = [_input_media(item, self.media(item.file_id)) for item in batch]
        return await self.bot.send_media_group(ticket.group_chat_id, media, **where)

    # ------------------------------------------------------------------ the conversation

    async def post_in_ticket(self, ticket: TicketRecord, text: str) -> Message | None:
        """A note of the bot in the ticket's topic (or under its card); a text too long for
        one message goes in several, nothing cut. Returns the (last) message."""
        if not self.online or ticket.group_chat_id is None:
            return None
        parts = [text] if shown_length(text) <= MessageLimit.MAX_TEXT_LENGTH else _chunks(text)
        try:
            for part in parts:
                sent = await self.bot.send_message(
                    ticket.group_chat_id, part, **self._where(ticket)
                )
            return sent
        except TelegramError as error:
            log.warning("Could not post in the thread of %s: %s", ticket.number, error)
            return None

    async def relay_from_buyer(
        self, ticket: TicketRecord, items: Sequence[tuple[int, Pending]]
    ) -> None:
        """Shows the buyer's messages in the ticket's topic, files included."""
        if not self.online or ticket.group_chat_id is None or ticket.group_card_message_id is None:
            return  # the card is not posted yet; the messages are in the ticket's record
        header = t(self.language, "agent.buyer_says")
        for row_id, pending in items:
            try:
                if pending.evidence is not None and _is_stored(pending.evidence.file_id):
                    sent = await self._send_stored(
                        ticket.group_chat_id, header, pending, **self._where(ticket)
                    )
                elif pending.evidence is not None:
                    source = (pending.chat_id, pending.message_id)
                    sent = await self._copy_headed(
                        ticket.group_chat_id, header, pending.text, source, **self._where(ticket)
                    )
                else:
                    text = escape(pending.text or "")
                    sent = await self._send_headed(
                        ticket.group_chat_id, header, f"{header}\n{text}", text,
                        **self._where(ticket),
                    )  # fmt: skip
            except TelegramError as error:
                log.warning("Could not relay a buyer message of %s: %s", ticket.number, error)
                continue
            await self.tickets.place_message(row_id, group=(ticket.group_chat_id, sent.message_id))

    async def relay_to_buyer(self, ticket: TicketRecord, message: Message, agent_id: int) -> bool:
        """Sends an agent's message (text or file) to the buyer as the support team's answer."""
        language = await self._buyer_language(ticket)
        text = message.text or message.caption
        row = await self.tickets.add_message(
            ticket.number,
            author_kind=AuthorKind.AGENT,
            author_id=agent_id,
            text=text,
            group_chat_id=message.chat_id,
            group_message_id=message.message_id,
        )
        try:
            head = t(language, "notify.agent_reply_file", number=ticket.number)
            if message.text:
                body = t(language, "notify.agent_reply", number=ticket.number, text=escape(text))
                sent = await self._send_headed_to_buyer(ticket.owner_id, head, body, escape(text))
            else:
                sent = await self._copy_headed_to_buyer(ticket.owner_id, head, message)
        except (TelegramError, ChannelUnavailable) as error:
            await self.report_undelivered(ticket, error)
            return False
        await self.tickets.place_message(row.id, buyer=(ticket.owner_id, sent))
        return True

    async def _send_headed_to_buyer(self, person_id: int, head: str, body: str, rest: str) -> int:
        """As `_send_headed`, on the buyer's own channel; returns the message id there."""
        if shown_length(body) > MessageLimit.MAX_TEXT_LENGTH:
            await self.buyers.send(person_id, Reply(head))
            body = rest
        return await self.buyers.send(person_id, Reply(body))

    async def _copy_headed_to_buyer(self, person_id: int, head: str, message: Message) -> int:
        """As `_copy_headed`, on the buyer's own channel; returns the message id there."""
        caption = message.caption
        full: str | None = head + (f"\n{escape(caption)}" if caption else "")
        if shown_length(full) > MessageLimit.CAPTION_LENGTH:
            await self.buyers.send(person_id, Reply(head))
            full = None  # without a new caption, the file keeps its own
        return await self.buyers.send_from_group(person_id, message, full)

    async def _send_stored(self, chat_id: int, header: str, pending: Pending, **where) -> Message:
        """A file the buyer uploaded in the web chat (kept by the service), captioned."""
        item = pending.evidence
        full = header + (f"\n{escape(pending.text)}" if pending.text else "")
        if shown_length(full) > MessageLimit.CAPTION_LENGTH:
            await self.bot.send_message(chat_id, header, **where)
            full = escape(pending.text or "")[: MessageLimit.CAPTION_LENGTH] or None
        send = {
            AttachmentKind.PHOTO: self.bot.send_photo,
            AttachmentKind.VIDEO: self.bot.send_video,
            AttachmentKind.DOCUMENT: self.bot.send_document,
        }[item.kind]
        return await send(chat_id, self.media(item.file_id), caption=full, **where)

    def media(self, file_id: str | None) -> str | InputFile:
        """A Telegram file id as it is; a file kept by the service, read for upload."""
        if file_id is None or not _is_stored(file_id) or self.files is None:
            return file_id
        return self.files.input_file(file_id)

    async def _send_headed(self, chat_id: int, head: str, body: str, rest: str, **where) -> Message:
        """`body`: `head` with a person's text; when too long for one message, `head` goes
        first on its own and then `rest`, the text alone (nothing is cut)."""
        if shown_length(body) > MessageLimit.MAX_TEXT_LENGTH:
            await self.bot.send_message(chat_id, head, **where)
            body = rest
        return await self.bot.send_message(chat_id, body, **where)

    async def _copy_headed(
        self, chat_id: int, head: str, caption: str | None, source: tuple[int, int], **where
    ) -> MessageId:
        """A copy of a file captioned `head` and its own caption; when both do not fit in a
        caption, `head` goes first as a message and the copy keeps its caption unchanged."""
        full: str | None = head + (f"\n{escape(caption)}" if caption else "")
        if shown_length(full) > MessageLimit.CAPTION_LENGTH:
            await self.bot.send_message(chat_id, head, **where)
            full = None  # without a new caption, Telegram keeps the original one
        return await self.bot.copy_message(chat_id, *source, caption=full, **where)

    async def send_answer(
        self, ticket: TicketRecord, text: str, command: Message, agent_id: int
    ) -> bool:
        """Sends a prepared answer (a canned one) to the buyer and shows it in the topic."""
        shown = await self.post_in_ticket(ticket, f"➡️ {escape(text)}")
        row = await self.tickets.add_message(
            ticket.number,
            author_kind=AuthorKind.AGENT,
            author_id=agent_id,
            text=text,
            group_chat_id=shown.chat_id if shown else None,
            group_message_id=shown.message_id if shown else None,
        )
        language = await self._buyer_language(ticket)
        body = t(language, "notify.agent_reply", number=ticket.number, text=escape(text))
        try:
            sent = await self.buyers.send(ticket.owner_id, Reply(body))
        except (TelegramError, ChannelUnavailable) as error:
            await self.report_undelivered(ticket, error)
            return False
        await self.tickets.place_message(row.id, buyer=(ticket.owner_id, sent))
        return True

    async def tell_buyer(
        self, ticket: TicketRecord, text: str, *, then: str | None = None, buttons=None
    ) -> bool:
        """A message of the service to the buyer, recorded (as the plain text the buyer reads,
        so that it is escaped once when shown again) as the ticket's latest news.

        `then` (with the `buttons`) follows in the same message when it fits,
        otherwise in a message of its own: nothing is cut, and the buttons come last.
        """
        await self.tickets.add_message(
            ticket.number, author_kind=AuthorKind.SYSTEM, text=plain_text(text)
        )
        parts = [text] if then is None else [f"{text}\n\n{then}"]
        if then is not None and shown_length(parts[0]) > MessageLimit.MAX_TEXT_LENGTH:
            parts = [*_chunks(text), then]
        try:
            for part in parts[:-1]:
                await self.buyers.send(ticket.owner_id, Reply(part))
            await self.buyers.send(ticket.owner_id, Reply(parts[-1], buttons))
        except (TelegramError, ChannelUnavailable) as error:
            await self.report_undelivered(ticket, error)
            return False
        return True

    async def report_undelivered(self, ticket: TicketRecord, error: Exception) -> None:
        """Says at once in the ticket's topic that the buyer could not be reached."""
        reason = "agent.reason_blocked" if isinstance(error, Forbidden) else "agent.reason_other"
        log.warning("Message for the buyer of %s not delivered: %s", ticket.number, error)
        text = t(self.language, "agent.delivered_failed", reason=t(self.language, reason))
        await self.post_in_ticket(ticket, text)

    async def status_changed(
        self,
        ticket: TicketRecord,
        old: TicketStatus,
        agent_name: str,
        explanation: str | None = None,
        *,
        notify_buyer: bool = True,
    ) -> None:
        """Updates the card, notes the change in the topic and tells the buyer what is next;
        with a decision the buyer gets its reasons and the rating buttons."""
        await self.refresh_card(ticket)
        note = t(
            self.language,
            "agent.status_changed",
            old=t(self.language, f"status.{old.value}"),
            new=t(self.language, f"status.{ticket.status.value}"),
            agent=escape(agent_name),
        )
        await self.post_in_ticket(ticket, note)
        if not notify_buyer:
            return
        language = await self._buyer_language(ticket)
        markup = {}
        if ticket.status in (TicketStatus.RESOLVED, TicketStatus.REJECTED):
            resolved = ticket.status is TicketStatus.RESOLVED
            key = "notify.resolution" if resolved else "notify.rejection"
            text = t(language, key, number=ticket.number, text=escape(explanation or ""))
            markup = {
                "then": t(language, "rating.ask"),
                "buttons": rating_keyboard(ticket.number),
            }
        else:
            text = t(
                language,
                "notify.status_changed",
                number=ticket.number,
                status=escape(t(language, f"status.{ticket.status.value}")),
                next_step=next_step(ticket, language, self.timezone),
            )
        await self.tell_buyer(ticket, text, **markup)

    async def notify_supervisors(self, ticket: TicketRecord, text: str | None = None) -> None:
        """Tells each supervisor (ADMIN_IDS) privately, with the card; notes it in the topic."""
        text = text or t(self.language, "agent.escalation", number=ticket.number)
        await self.post_in_ticket(ticket, text)
        if not self.online:
            return
        card = await self._card_text(ticket)
        for supervisor in self.supervisors:
            try:
                await self.bot.send_message(supervisor, f"{text}\n\n{card}")
            except TelegramError as error:
                log.warning("Supervisor %s not told about %s: %s", supervisor, ticket.number, error)

    async def group(self) -> GroupRecord | None:
        return await self.groups.active()

    async def _buyer_language(self, ticket: TicketRecord) -> str:
        person = await self.people.get_or_create(ticket.owner_id)
        return person.language or "zh"

    def _where(self, ticket: TicketRecord) -> dict:
        """In a forum, the ticket's topic; in a plain group, a reply to its card."""
        if ticket.group_topic_id is not None:
            return {"message_thread_id": ticket.group_topic_id}
        if ticket.group_card_message_id is not None:
            return {
                "reply_parameters": ReplyParameters(
                    ticket.group_card_message_id, allow_sending_without_reply=True
                )
            }
        return {}


def _chunks(html: str, limit: int = MessageLimit.MAX_TEXT_LENGTH - 96) -> list[str]:
    """Splits escaped text into parts Telegram accepts: at line breaks where it can (the
    decision texts have their tags on the first lines only), never inside an entity."""
    parts = []
    while len(html) > limit:
        cut = html.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
            entity = html.rfind("&", cut - 10, cut)
            if entity != -1 and ";" not in html[entity:cut]:
                cut = entity
        parts.append(html[:cut])
        html = html[cut:].lstrip("\n")
    return [*parts, html] if html else parts


def _albums(attachments: list[AttachmentRecord]) -> list[list[AttachmentRecord]]:
    """Photos and videos together, documents together, at most ten to an album."""
    batches: list[list[AttachmentRecord]] = []
    for item in attachments:
        is_document = item.kind is AttachmentKind.DOCUMENT
        last = batches[-1] if batches else None
        fits = (
            last is not None
            and len(last) < ALBUM_LIMIT
            and (last[0].kind is AttachmentKind.DOCUMENT) == is_document
        )
        if fits:
            last.append(item)
        else:
            batches.append([item])
    return batches


def _input_media(item: AttachmentRecord, media: str | InputFile):
    caption = escape(item.caption) if item.caption else None
    if item.kind is AttachmentKind.PHOTO:
        return InputMediaPhoto(media, caption=caption)
    if item.kind is AttachmentKind.VIDEO:
        return InputMediaVideo(media, caption=caption)
    return InputMediaDocument(media, caption=caption)


def _is_stored(file_id: str | None) -> bool:
    return bool(file_id) and file_id.startswith(STORED_PREFIX)
