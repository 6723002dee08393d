"""What the bot does in the agents' group and towards the buyer on the agents' behalf.

Tickets live in the database first. Everything for the group (topics, cards, evidence, notes,
the buyer's messages) is queued in the outbox and posted by its worker (bot/agents/posting.py),
so neither the buyer nor an agent ever waits for the group's rate limit, and nothing queued
is lost if the process dies. Messages to the buyer go through their channel's outbox too
(bot/channels/delivery.py): what follows one (its id in the ticket's record, a report in the
topic when it could not reach the buyer) happens when it has been sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC
from functools import partial
from html import escape
from typing import TYPE_CHECKING

from telegram import Bot, InputFile, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.agents import receipts
from bot.agents.posting import (
    ALERT,
    EDIT,
    FILE,
    NOTE,
    REFRESH,
    RELAY,
    STORED_PREFIX,
    TICKET,
    CardWriter,
)
from bot.agents.sending import chunks, takes_caption
from bot.channels.delivery import BuyerDelivery, ChannelUnavailable
from bot.outbox.followups import Followup, Followups, followup
from bot.outbox.store import OutboxStore
from bot.services.followups import Pending
from bot.services.groups import AgentGroupService
from bot.services.message_versions import Edited
from bot.services.people import PeopleService
from bot.services.records import GroupRecord, TicketRecord
from bot.services.tickets import TicketService
from bot.telegram_errors import not_modified
from bot.texts import t
from bot.views.aftercare import rating_keyboard
from bot.views.reply import Reply, plain_text, shown_length
from bot.views.status import next_step
from storage.db import after_commit
from storage.lifecycle import TicketStatus
from storage.models import AuthorKind

if TYPE_CHECKING:
    from bot.channels.telegram.outbox import TelegramOutbox
    from bot.channels.web.files import WebFiles

log = logging.getLogger(__name__)

PLACED, UNDELIVERED = "desk.placed", "desk.undelivered"  # follow-ups of messages to buyers


class AgentDesk:
    """The bot's hands in the agents' group."""

    def __init__(
        self,
        bot: Bot,
        groups: AgentGroupService,
        tickets: TicketService,
        people: PeopleService,
        outbox: OutboxStore,
        cards: CardWriter,
        *,
        wake: Callable[[], None] = lambda: None,
        supervisors: Sequence[int] = (),
        buyers: BuyerDelivery | None = None,
        files: WebFiles | None = None,
        direct: TelegramOutbox | None = None,
    ) -> None:
        self.bot, self.groups, self.tickets, self.people = bot, groups, tickets, people
        self.outbox, self.cards, self._wake = outbox, cards, wake
        self.language = cards.language
        self.supervisors = tuple(supervisors)
        # Without a Telegram token (the web chat alone) there is no group to post in:
        # tickets wait for it, as they do before a group is linked.
        self.online = bot is not None
        self.buyers = buyers if buyers is not None else BuyerDelivery(people, {})
        self.files = files
        self.direct = direct  # private chats on Telegram (supervisors), through the outbox

    # ------------------------------------------------------------------ tickets and cards

    async def ticket_filed(self, ticket: TicketRecord) -> None:
        """Queues the ticket's topic, card and evidence for the group; returns at once. (The
        ticket's topic in the buyer's chat opens after the reply that gives its number:
        `Reply.opens`.)"""
        await self.post_pending_cards([ticket])

    async def post_pending_cards(self, tickets: Sequence[TicketRecord]) -> None:
        """Queues a card for each ticket not in the group yet: never twice for one ticket."""
        group = await self.groups.active()
        if group is None or not tickets:
            return
        for ticket in tickets:
            key = f"card:{ticket.number}:{group.chat_id}"
            await self.outbox.enqueue(TICKET, {"number": ticket.number}, dedupe=key)
        self._wake()

    async def refresh_card(self, ticket: TicketRecord, *, dedupe: str | None = None) -> None:
        """Queues a rewrite of the card with the ticket as it is when the rewrite is sent."""
        if ticket.group_chat_id is None and await self.groups.active() is None:
            return
        await self._queue(REFRESH, {"number": ticket.number}, dedupe=dedupe)

    async def card_of(self, ticket: TicketRecord) -> str:
        return await self.cards.text(ticket)

    async def rating_line(self, ticket: TicketRecord) -> str | None:
        return await self.cards.rating_line(ticket)

    # ------------------------------------------------------------------ the conversation

    async def post_in_ticket(
        self, ticket: TicketRecord, text: str, *, row: int | None = None, dedupe: str | None = None
    ):
        """Queues a note of the bot in the ticket's topic (or under its card); `row`, a
        conversation message, learns where the note was posted."""
        if ticket.group_chat_id is None and await self.groups.active() is None:
            return
        await self._queue(NOTE, {"number": ticket.number, "text": text, "row": row}, dedupe=dedupe)

    async def post_file_in_ticket(self, ticket: TicketRecord, attachment: int) -> None:
        """Queues one of the ticket's files (moved to it by a merge) for its topic."""
        if ticket.group_chat_id is None:
            return  # not in the group yet: its card will come with all its files
        await self._queue(FILE, {"number": ticket.number, "attachment": attachment})

    async def ask_in_ticket(
        self, ticket: TicketRecord, text: str, *, after: Followup | None = None
    ) -> bool:
        """Queues a question to the agents in the ticket's topic; `after` runs with its
        message id once posted (an agent answers it by replying to it)."""
        if ticket.group_chat_id is None:
            return False
        payload = {"number": ticket.number, "text": text, "row": None, "after": after}
        await self._queue(NOTE, payload)
        return True

    async def relay_from_buyer(
        self, ticket: TicketRecord, items: Sequence[tuple[int, Pending]]
    ) -> None:
        """Queues the buyer's messages for the ticket's topic, files included, one by one;
        each message once, however often it is asked (after a crash, bot/handlers/recovery.py)."""
        if ticket.group_chat_id is None and await self.groups.active() is None:
            return  # no group: the messages are in the ticket's record
        for row_id, pending in items:
            await self.outbox.enqueue(
                RELAY, {"number": ticket.number, "items": [[row_id, pending.to_json()]]},
                dedupe=f"relay:{row_id}",
            )  # fmt: skip
        self._wake()

    async def buyer_edited(self, ticket: TicketRecord, edited: Edited, *, caption: bool) -> None:
        """Queues the edit of the topic's copy, after the relay of the message itself."""
        if ticket.group_chat_id is None and await self.groups.active() is None:
            return
        payload = {"number": ticket.number, "row": edited.message.id,
                   "text": edited.message.text, "caption": caption}  # fmt: skip
        await self._queue(EDIT, payload)

    async def agent_edited(self, ticket: TicketRecord, edited: Edited, message: Message) -> None:
        """An agent edited an answer the buyer has: the buyer's copy shows the new text,
        marked as edited; when Telegram refuses (too old, deleted) the topic is told."""
        buyer_message = edited.message.buyer_message_id
        if buyer_message is None:
            return
        language = await self._buyer_language(ticket)
        mark = t(language, "kinds.edited_mark")
        text = escape(edited.message.text or "")
        if message.text is not None:
            body = t(language, "notify.agent_reply", number=ticket.number, text=text)
            caption = False
        else:
            head = t(language, "notify.agent_reply_file", number=ticket.number)
            body, caption = head + (f"\n{text}" if text else ""), True
        body = f"{body}\n<i>{mark}</i>"
        limit = MessageLimit.CAPTION_LENGTH if caption else MessageLimit.MAX_TEXT_LENGTH
        try:
            if shown_length(body) > limit:
                raise BadRequest("message is too long")
            await self.buyers.edit(ticket.owner_id, buyer_message, Reply(body), caption=caption)
        except (TelegramError, ChannelUnavailable) as error:
            if not_modified(error):
                return
            log.info("The buyer's copy of an answer of %s was not edited: %s", ticket.number, error)
            await self.post_in_ticket(ticket, t(self.language, "kinds.agent_edit_failed"))
            return
        await self.reached_buyer(message.chat_id, message.message_id)

    async def relay_to_buyer(self, ticket: TicketRecord, message: Message, agent_id: int) -> bool:
        """Sends an agent's message (text or file) to the buyer as the support team's answer."""
        row = await self.tickets.add_message(
            ticket.number,
            author_kind=AuthorKind.AGENT,
            author_id=agent_id,
            text=message.text or message.caption,
            group_chat_id=message.chat_id,
            group_message_id=message.message_id,
        )
        return await self.deliver_answer(ticket, message, row.id)

    async def deliver_answer(self, ticket: TicketRecord, message: Message, row: int) -> bool:
        """Queues the agent's answer stored as conversation message `row` for the buyer: once,
        however often it is asked (again after a crash: bot/handlers/recovery.py)."""
        language = await self._buyer_language(ticket)
        text = message.text or message.caption
        follow = {**self._followups(ticket, row, agents=message), "dedupe": f"answer:{row}"}
        try:
            head = t(language, "notify.agent_reply_file", number=ticket.number)
            if message.text:
                body = t(language, "notify.agent_reply", number=ticket.number, text=escape(text))
                await self._send_headed_to_buyer(ticket, head, body, escape(text), follow)
            else:
                await self._copy_headed_to_buyer(ticket, head, message, follow)
        except (TelegramError, ChannelUnavailable) as error:
            await self.report_undelivered(ticket, error)
            return False
        return True

    def _followups(
        self, ticket: TicketRecord, row: int | None = None, agents: Message | None = None
    ) -> dict:
        """On delivery: the conversation message `row` learns its id on the buyer's side,
        and the agent's message `agents` gets its receipt; undelivered: the topic is told."""
        follow = {"if_undelivered": followup(UNDELIVERED, number=ticket.number)}
        if row is not None:
            receipt = None if agents is None else [agents.chat_id, agents.message_id]
            follow["after"] = followup(PLACED, row=row, chat=ticket.owner_id, receipt=receipt)
        return follow

    async def reached_buyer(self, chat_id: int, message_id: int) -> None:
        """The receipt on the agent's message: it is in the buyer's hands."""
        await receipts.mark(self.bot, chat_id, message_id, receipts.REACHED_BUYER)

    async def _send_headed_to_buyer(
        self, ticket: TicketRecord, head: str, body: str, rest: str, follow: dict
    ) -> None:
        """As `_send_headed`, on the buyer's own channel."""
        if shown_length(body) > MessageLimit.MAX_TEXT_LENGTH:
            await self.buyers.send(
                ticket.owner_id, Reply(head, ticket=ticket.number), dedupe=_head(follow)
            )
            body = rest
        await self.buyers.send(ticket.owner_id, Reply(body, ticket=ticket.number), **follow)

    async def _copy_headed_to_buyer(
        self, ticket: TicketRecord, head: str, message: Message, follow: dict
    ) -> None:
        """As `_copy_headed`, on the buyer's own channel."""
        caption = message.caption
        full: str | None = head + (f"\n{escape(caption)}" if caption else "")
        if not takes_caption(message) or shown_length(full) > MessageLimit.CAPTION_LENGTH:
            await self.buyers.send(
                ticket.owner_id, Reply(head, ticket=ticket.number), dedupe=_head(follow)
            )
            full = None  # without a new caption, the file keeps its own
        await self.buyers.send_from_group(
            ticket.owner_id, message, full, ticket=ticket.number, **follow
        )

    def media(self, file_id: str | None) -> str | InputFile:
        """A Telegram file id as it is; a file kept by the service, read for upload."""
        if file_id is None or not _is_stored(file_id) or self.files is None:
            return file_id
        return self.files.input_file(file_id)

    async def send_answer(
        self, ticket: TicketRecord, text: str, command: Message, agent_id: int
    ) -> bool:
        """Sends a prepared answer (a canned one) to the buyer and shows it in the topic."""
        row = await self.tickets.add_message(
            ticket.number, author_kind=AuthorKind.AGENT, author_id=agent_id, text=text
        )
        return await self.deliver_prepared(ticket, row.id, text)

    async def deliver_prepared(self, ticket: TicketRecord, row: int, text: str) -> bool:
        """Queues the prepared answer stored as conversation message `row` for the topic and
        the buyer: each once, however often it is asked (again after a crash between storing
        and queueing: bot/handlers/recovery.py)."""
        key = f"answer:{row}"
        await self.post_in_ticket(ticket, f"➡️ {escape(text)}", row=row, dedupe=f"{key}:topic")
        language = await self._buyer_language(ticket)
        body = t(language, "notify.agent_reply", number=ticket.number, text=escape(text))
        try:
            reply = Reply(body, ticket=ticket.number)
            await self.buyers.send(
                ticket.owner_id, reply, **self._followups(ticket, row), dedupe=key
            )
        except (TelegramError, ChannelUnavailable) as error:
            await self.report_undelivered(ticket, error)
            return False
        return True

    async def tell_buyer(
        self,
        ticket: TicketRecord,
        text: str,
        *,
        then: str | None = None,
        buttons=None,
        dedupe: str | None = None,
    ) -> bool:
        """A message of the service to the buyer, recorded (as the plain text the buyer reads,
        so that it is escaped once when shown again) as the ticket's latest news; with
        `dedupe`, once under that key (a notice told again after a crash).

        `then` (with the `buttons`) follows in the same message when it fits,
        otherwise in a message of its own: nothing is cut, and the buttons come last.
        """
        if dedupe is not None and await self.buyers.sent_before(ticket.owner_id, [dedupe]):
            return True  # told before the crash
        await self.tickets.add_message(
            ticket.number, author_kind=AuthorKind.SYSTEM, text=plain_text(text)
        )
        parts = [text] if then is None else [f"{text}\n\n{then}"]
        if then is not None and shown_length(parts[0]) > MessageLimit.MAX_TEXT_LENGTH:
            parts = [*chunks(text), then]
        keys = [None if dedupe is None else f"{dedupe}:{i}" for i in range(len(parts) - 1)]
        try:
            for part, key in zip(parts[:-1], keys, strict=True):
                await self.buyers.send(
                    ticket.owner_id, Reply(part, ticket=ticket.number), dedupe=key
                )
            last = Reply(parts[-1], buttons, ticket.number)
            await self.buyers.send(ticket.owner_id, last, **self._followups(ticket), dedupe=dedupe)
        except (TelegramError, ChannelUnavailable) as error:
            await self.report_undelivered(ticket, error)
            return False
        return True

    def register_followups(self, followups: Followups) -> None:
        """What the outbox's workers do after a message of the desk has gone (or not)."""
        followups.on(PLACED, self._placed)
        followups.on(UNDELIVERED, self._undelivered)

    async def _placed(
        self, message_id: int | None, *, row: int, chat: int, receipt: list[int] | None = None
    ) -> None:
        if message_id is None:
            return
        await self.tickets.place_message(row, buyer=(chat, message_id))
        if receipt is not None:  # on Telegram, once the record is committed
            await after_commit(partial(self.reached_buyer, *receipt))

    async def _undelivered(self, error: Exception, *, number: str) -> None:
        await self.report_undelivered(await self.tickets.get(number), error)

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
        with a decision the buyer gets its reasons and the rating buttons. Each once per
        change, however often it is asked (again after a crash: bot/handlers/recovery.py)."""
        change = status_change_key(ticket, old)
        await self.refresh_card(ticket, dedupe=f"{change}:card")
        note = t(
            self.language,
            "agent.status_changed",
            old=t(self.language, f"status.{old.value}"),
            new=t(self.language, f"status.{ticket.status.value}"),
            agent=escape(agent_name),
        )
        await self.post_in_ticket(ticket, note, dedupe=f"{change}:note")
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
                next_step=next_step(ticket, language, self.cards.timezone),
            )
        await self.tell_buyer(ticket, text, **markup, dedupe=f"{change}:buyer")

    async def notify_supervisors(
        self, ticket: TicketRecord, text: str | None = None, *, dedupe: str | None = None
    ) -> None:
        """Tells each supervisor (ADMIN_IDS) privately, with the card; notes it in the topic;
        with `dedupe`, each once under that key (told again after a crash)."""
        text = text or t(self.language, "agent.escalation", number=ticket.number)
        await self.post_in_ticket(ticket, text, dedupe=_keyed(dedupe, "alert"))
        if not self.online or self.direct is None:
            return
        card = await self.cards.text(ticket)
        for supervisor in self.supervisors:  # a refusal is logged by the outbox's worker
            key = _keyed(dedupe, f"alert:{supervisor}")
            await self.direct.send(supervisor, [Reply(f"{text}\n\n{card}")], dedupe=key)

    async def post_in_group(self, text: str, *, key: str) -> None:
        """Queues a message of the bot for the group about no ticket; once per `key`."""
        await self.outbox.enqueue(ALERT, {"text": text}, dedupe=key)
        self._wake()

    async def group(self) -> GroupRecord | None:
        return await self.groups.active()

    async def _queue(self, kind: str, payload: dict, *, dedupe: str | None = None) -> None:
        await self.outbox.enqueue(kind, payload, dedupe=dedupe)
        self._wake()

    async def _buyer_language(self, ticket: TicketRecord) -> str:
        person = await self.people.get_or_create(ticket.owner_id)
        return person.language or "zh"


def status_change_key(ticket: TicketRecord, old: TicketStatus) -> str:
    """One status change of a ticket: the change stamps the ticket's `updated_at` and its
    audit entry with the same time (bot/services/tickets.py change_status)."""
    moved = f"{old.value}>{ticket.status.value}"
    return f"status:{ticket.id}:{moved}:{ticket.updated_at.astimezone(UTC).isoformat()}"


def _keyed(dedupe: str | None, part: str) -> str | None:
    return None if dedupe is None else f"{dedupe}:{part}"


def _head(follow: dict) -> str | None:
    """The dedupe key of the heading sent before a message that has `follow`."""
    key = follow.get("dedupe")
    return None if key is None else f"{key}:head"


def _is_stored(file_id: str | None) -> bool:
    return bool(file_id) and file_id.startswith(STORED_PREFIX)
