"""The file in a Telegram message as evidence to keep (the agents' side; buyers' files come
through the intake and the follow-ups)."""

from __future__ import annotations

from telegram import Message

from bot.services.records import NewAttachment
from storage.models import AttachmentKind


def attachment_of(message: Message) -> NewAttachment | None:
    """The photo (largest size), video or document of the message, or None."""
    if message.photo:
        media, kind, mime = message.photo[-1], AttachmentKind.PHOTO, "image/jpeg"
    elif message.video:
        media, kind, mime = message.video, AttachmentKind.VIDEO, message.video.mime_type
    elif message.document:
        media, kind, mime = message.document, AttachmentKind.DOCUMENT, message.document.mime_type
    else:
        return None
    return NewAttachment(
        kind=kind, file_id=media.file_id, file_unique_id=media.file_unique_id,
        file_size=media.file_size, mime_type=mime, caption=message.caption or None,
    )  # fmt: skip
