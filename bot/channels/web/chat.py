"""The web chat's conversation side: frames from the page become events for the core, and
every message for a web visitor (the core's replies, the agents' side through buyer
delivery) is stored in the visitor's outbox and pushed to each of their open pages."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket

from bot.channels.web.outbox import WebOutbox
from bot.channels.web.render import payload_of
from bot.channels.web.visitors import CHANNEL, VisitorService
from bot.conversation import core
from bot.conversation.events import Incoming, Kind, MessageRef, Sender
from bot.conversation.messages import album_count
from bot.texts import t
from bot.views.reply import Reply

if TYPE_CHECKING:
    from telegram import Bot, Message

    from bot.context import Services

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000  # as much as Telegram takes in one message


class WebChat:
    """Implements the web channel for buyer delivery, and runs the visitors' turns."""

    def __init__(self, services: Services, bot: Bot | None = None) -> None:
        self.services, self.bot = services, bot
        self.visitors = VisitorService(services.sessions, services.clock)
        self.outbox = WebOutbox(services.sessions, services.clock)
        self._pages: dict[int, set[WebSocket]] = defaultdict(set)
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._albums: dict[int, set[str]] = defaultdict(set)

    # ------------------------------------------------------------- buyer delivery (channel)

    async def send(self, person_id: int, reply: Reply, *, dedupe: str | None = None) -> int | None:
        return await self.post(person_id, payload_of(reply), dedupe=dedupe)

    async def send_from_group(
        self,
        person_id: int,
        message: Message,
        caption: str | None,
        *,
        ticket: str | None = None,
        dedupe: str | None = None,
    ) -> int | None:
        """An agent's file: fetched from Telegram once and kept, then shown like any message;
        what the page cannot show (voice, a sticker, a place...) is named in a clear line."""
        if dedupe is not None and await self.outbox.stored(dedupe):
            return None  # shown before a crash: not fetched again
        media = message.photo[-1] if message.photo else (message.video or message.document)
        if media is None:
            return await self.post(person_id, payload_of(Reply(await self._not_shown(
                person_id, message, caption))), dedupe=dedupe)  # fmt: skip
        kind = "photo" if message.photo else ("video" if message.video else "document")
        name = getattr(media, "file_name", None)
        mime = "image/jpeg" if message.photo else getattr(media, "mime_type", None)
        file = await media.get_file()
        stored = self.services.web_files.put(bytes(await file.download_as_bytearray()))
        html = caption if caption is not None else (message.caption_html or "")
        payload = payload_of(Reply(html))
        payload["file"] = {"digest": stored.digest, "kind": kind, "name": name, "mime": mime}
        return await self.post(person_id, payload, dedupe=dedupe)

    async def sent_before(self, keys: list[str]) -> set[str]:
        return await self.outbox.keyed(keys)

    async def _not_shown(self, person_id: int, message: Message, caption: str | None) -> str:
        person = await self.services.people.get_or_create(person_id)
        language = person.language or "zh"
        what = t(language, f"kinds.web_kind_{web_kind_of(message)}")
        head = caption if caption is not None else (message.caption_html or "")
        line = t(language, "kinds.web_cannot_show", what=what)
        return f"{head}\n{line}" if head else line

    async def edit(self, person_id: int, message_id: int, reply: Reply, *, caption: bool) -> None:
        """The page keeps what it showed: the edited text follows as a new message."""
        await self.post(person_id, payload_of(reply))

    async def post(
        self, person_id: int, payload: dict[str, Any], *, dedupe: str | None = None
    ) -> int | None:
        """Stores the message in the visitor's outbox and shows it on their open pages; with
        `dedupe`, once per key (None: stored before)."""
        seq = await self.outbox.append(person_id, payload, dedupe=dedupe)
        if seq is None:
            return None
        await self.push(person_id, {"t": "msg", "seq": seq, **payload, "unread": False})
        return seq

    async def push(self, person_id: int, frame: dict[str, Any]) -> None:
        for page in list(self._pages.get(person_id, ())):
            try:
                await page.send_json(frame)
            except Exception:  # the page went away mid-send; it replays on reconnect
                self._pages[person_id].discard(page)

    # ------------------------------------------------------------- pages

    async def attach(self, person_id: int, page: WebSocket, after: int) -> None:
        """A page opened (or reopened): everything after `after`, then live messages."""
        for stored in await self.outbox.since(person_id, after):
            frame = {"t": "msg", "seq": stored.seq, **stored.payload, "unread": stored.unread}
            await page.send_json(frame)
        self._pages[person_id].add(page)

    def detach(self, person_id: int, page: WebSocket) -> None:
        pages = self._pages.get(person_id)
        if pages is not None:
            pages.discard(page)
            if not pages:
                del self._pages[person_id]

    # ------------------------------------------------------------- the visitor's turns

    async def take(
        self,
        person_id: int,
        client_id: str,
        kind: Kind,
        *,
        shown: dict[str, Any] | None = None,
        button_seq: int | None = None,
        **fields: Any,
    ) -> bool:
        """Handles one thing the visitor sent, once even if the page sends it again; returns
        False for a repeat. `shown` is what the conversation shows of the visitor's message."""
        async with self._locks[person_id]:
            received = await self.outbox.receive(person_id, client_id)
            if not received.first_time:
                return False
            if shown is not None and received.new:
                await self.post(person_id, {"from": "me", **shown})
            source = MessageRef(person_id, received.message_id)
            event = Incoming(Sender(person_id, CHANNEL), kind, source=source, **fields)
            albums = self._albums[person_id]
            outcome = await core.handle(
                self.services, event, after_album=lambda group, lang: albums.add(f"{group}\n{lang}")
            )
            if outcome.notice is not None:
                await self.push(person_id, {"t": "notice", "text": outcome.notice})
            if outcome.remove_buttons and button_seq is not None:
                await self.push(person_id, {"t": "off", "seq": button_seq})
            for reply in outcome.replies:
                await self.send(person_id, reply)
            await self.outbox.handled(received.message_id)
            return True

    async def album_done(self, person_id: int, group: str) -> None:
        """The last file of an upload batch is in: one count for the whole batch."""
        async with self._locks[person_id]:
            due = [k for k in self._albums.get(person_id, set()) if k.startswith(f"{group}\n")]
            for key in due:
                self._albums[person_id].discard(key)
                language = key.split("\n", 1)[1]
                for reply in await album_count(self.services, person_id, language):
                    await self.send(person_id, reply)


def web_kind_of(message: Message) -> str:
    """What an agent sent that the web chat cannot show, as its texts name it."""
    for kind in ("voice", "audio", "video_note", "animation", "sticker", "venue", "location",
                 "contact"):  # fmt: skip
        if getattr(message, kind, None):
            return kind
    return "other"
