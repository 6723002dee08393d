"""The file in a Telegram message as evidence to keep (the agents' side; buyers' files come
through the intake and the follow-ups)."""

from __future__ import annotations

from telegram import Message

from bot.services.records import NewAttachment
from storage.models import AttachmentKind


def attachment_of(message: Message) -> NewAttachment | None:
    """The photo (largest size), video, voice, audio, video note, animation or document of
    the message, or None."""
    if message.photo:
        media, kind, mime = message.photo[-1], AttachmentKind.PHOTO, "image/jpeg"
    elif message.video:
        media, kind, mime = message.video, AttachmentKind.VIDEO, message.video.mime_type
    elif message.animation:  # Telegram sends an animation as a document too
        media, kind, mime = message.animation, AttachmentKind.ANIMATION, message.animation.mime_type
    elif message.voice:
        media, kind, mime = message.voice, AttachmentKind.VOICE, message.voice.mime_type
    elif message.audio:
        media, kind, mime = message.audio, AttachmentKind.AUDIO, message.audio.mime_type
    elif message.video_note:
        media, kind, mime = message.video_note, AttachmentKind.VIDEO_NOTE, "video/mp4"
    elif message.document:
        media, kind, mime = message.document, AttachmentKind.DOCUMENT, message.document.mime_type
    else:
        return None
    return NewAttachment(
        kind=kind, file_id=media.file_id, file_unique_id=media.file_unique_id,
        file_size=media.file_size, mime_type=mime, caption=message.caption or None,
    )  # fmt: skip
