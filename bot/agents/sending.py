"""How the bot's messages about a ticket are put together for Telegram: where in the group
they go, and what happens when a person's text does not fit in one message or caption."""

from __future__ import annotations

from html import escape

from telegram import (
    Bot,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    MessageId,
    ReplyParameters,
)
from telegram.constants import MessageLimit

from bot.services.records import AttachmentRecord, TicketRecord
from bot.views.reply import shown_length
from storage.models import AttachmentKind

ALBUM_LIMIT = 10
ALBUM_KINDS = (AttachmentKind.PHOTO, AttachmentKind.VIDEO, AttachmentKind.DOCUMENT)
NO_CAPTION = (AttachmentKind.VIDEO_NOTE,)  # Telegram gives a video note no caption


def takes_caption(message: Message) -> bool:
    """Whether a copy of the message can carry a caption (stickers, places, contacts and
    video notes cannot)."""
    return bool(
        message.photo or message.video or message.document or message.audio or message.voice
        or message.animation
    )  # fmt: skip


def send_file(bot: Bot, kind: AttachmentKind, chat_id: int, media, caption: str | None, **where):
    """Sends one file with the Bot API method of its kind (a file id is reusable only so)."""
    method = {
        AttachmentKind.PHOTO: bot.send_photo,
        AttachmentKind.VIDEO: bot.send_video,
        AttachmentKind.DOCUMENT: bot.send_document,
        AttachmentKind.VOICE: bot.send_voice,
        AttachmentKind.AUDIO: bot.send_audio,
        AttachmentKind.ANIMATION: bot.send_animation,
    }.get(kind)
    if method is None:
        return bot.send_video_note(chat_id, media, **where)
    return method(chat_id, media, caption=caption, **where)


def where_in_group(ticket: TicketRecord) -> dict:
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


async def send_headed(bot: Bot, chat_id: int, head: str, body: str, rest: str, **where) -> Message:
    """`body`: `head` with a person's text; when too long for one message, `head` goes
    first on its own and then `rest`, the text alone (nothing is cut)."""
    if shown_length(body) > MessageLimit.MAX_TEXT_LENGTH:
        await bot.send_message(chat_id, head, **where)
        body = rest
    return await bot.send_message(chat_id, body, **where)


async def copy_headed(
    bot: Bot, chat_id: int, head: str, caption: str | None, source: tuple[int, int], **where
) -> MessageId:
    """A copy of a file captioned `head` and its own caption; when both do not fit in a
    caption, `head` goes first as a message and the copy keeps its caption unchanged."""
    full: str | None = head + (f"\n{escape(caption)}" if caption else "")
    if shown_length(full) > MessageLimit.CAPTION_LENGTH:
        await bot.send_message(chat_id, head, **where)
        full = None  # without a new caption, Telegram keeps the original one
    return await bot.copy_message(chat_id, *source, caption=full, **where)


def chunks(html: str, limit: int = MessageLimit.MAX_TEXT_LENGTH - 96) -> list[str]:
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


def albums(attachments: list[AttachmentRecord]) -> list[list[AttachmentRecord]]:
    """Photos and videos together, documents together, at most ten to an album; voice,
    audio, video notes and animations each on their own."""
    batches: list[list[AttachmentRecord]] = []
    for item in attachments:
        is_document = item.kind is AttachmentKind.DOCUMENT
        last = batches[-1] if batches else None
        fits = (
            last is not None
            and item.kind in ALBUM_KINDS
            and last[0].kind in ALBUM_KINDS
            and len(last) < ALBUM_LIMIT
            and (last[0].kind is AttachmentKind.DOCUMENT) == is_document
        )
        if fits:
            last.append(item)
        else:
            batches.append([item])
    return batches


def input_media(item: AttachmentRecord, media=None):
    """The attachment as album media; `media` (an upload) stands in for its file id."""
    media = item.file_id if media is None else media
    caption = escape(item.caption) if item.caption else None
    if item.kind is AttachmentKind.PHOTO:
        return InputMediaPhoto(media, caption=caption)
    if item.kind is AttachmentKind.VIDEO:
        return InputMediaVideo(media, caption=caption)
    return InputMediaDocument(media, caption=caption)
