"""The buyer's private chat on Telegram: each update becomes an event for the conversation
core, and its replies become messages. No rule of the conversation lives here."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Job

from bot.channels.telegram.shared import shared_of
from bot.context import Context, Services
from bot.conversation import core
from bot.conversation.events import (
    Incoming,
    Kind,
    MessageRef,
    Sender,
    answered_again,
    is_resuming,
)
from bot.conversation.messages import album_count
from bot.services.intake_draft import Evidence
from bot.texts import t
from bot.views.reply import Reply
from storage.models import AttachmentKind

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALBUM_ACK_DELAY = 1.5


def services(context: Context) -> Services:
    return context.bot_data.services


def sender_of(update: Update) -> Sender:
    user = update.effective_user
    assert user is not None
    return Sender(user.id, CHANNEL, user.full_name, user.first_name, user.language_code)


def _ref(message: Message | None) -> MessageRef | None:
    return None if message is None else MessageRef(message.chat_id, message.message_id)


def thread_of(message: Message | None) -> int | None:
    """The topic of the buyer's chat a message is in (bots with topics in private chats)."""
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


def event_of(update: Update, kind: Kind, **fields) -> Incoming:
    message = update.effective_message
    reply = message.reply_to_message if message is not None else None
    return Incoming(
        sender_of(update), kind, source=_ref(message), reply_to=_ref(reply),
        thread=thread_of(message), **fields,
    )  # fmt: skip


async def send(
    context: Context, chat_id: int, replies: Iterable[Reply], *, thread: int | None = None
) -> None:
    """Queues the replies in order in the outbox (HTML, no link previews: the application's
    defaults), in the topic the buyer wrote in, with the update's done stamp: a handler's
    replies are its last step, queued exactly once and sent at least once
    (storage/effects.py)."""
    options = {} if thread is None else {"message_thread_id": thread}
    await services(context).telegram_outbox.send(chat_id, replies, finishes_update=True, **options)


async def _run(update: Update, context: Context, event: Incoming) -> None:
    outcome = await core.handle(
        services(context), event, after_album=_album_scheduler(context, update)
    )
    await send(context, update.effective_chat.id, outcome.replies, thread=event.thread)


async def on_text(update: Update, context: Context) -> None:
    """A text: the answer to the current question, a question, or a new complaint."""
    message = update.effective_message
    await _run(update, context, event_of(update, Kind.TEXT, text=message.text or ""))


def command_name(text: str) -> str | None:
    """The bot command a message starts with (/name or /name@bot), in lower case; None for a
    text that is no command."""
    if not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@")[0].lower()


async def on_command(update: Update, context: Context) -> None:
    """/start, /help, /lang, /cancel, /status, /mytickets, or one the bot does not know."""
    name = command_name((update.effective_message.text or "").strip()) or ""
    args = tuple(context.args or ())
    await _run(update, context, event_of(update, Kind.COMMAND, command=name, args=args))


async def on_media(update: Update, context: Context) -> None:
    """A photo, video or file: evidence, or something for one of the buyer's tickets."""
    message = update.effective_message
    item = evidence_of(message)
    if item is None:
        return
    event = event_of(update, Kind.FILE, text=message.caption or None, file=item)
    await _run(update, context, event)


async def on_shared(update: Update, context: Context) -> None:
    """A sticker, location, venue or contact: relayed to an open ticket, else refused kindly."""
    message = update.effective_message
    kind, summary = shared_of(message)
    await _run(update, context, event_of(update, Kind.SHARED, text=summary, data=kind))


async def on_unsupported(update: Update, context: Context) -> None:
    """Polls, dice, games, stories: says what the bot can take instead."""
    message = update.effective_message
    empty = message is not None and message.text is not None  # a text, but with nothing in it
    await _run(update, context, event_of(update, Kind.EMPTY if empty else Kind.UNSUPPORTED))


async def on_edited(update: Update, context: Context) -> None:
    """An edit: passed on where the message was relayed, otherwise explained."""
    message = update.effective_message
    text = message.text if message.text is not None else message.caption
    file = evidence_of(message)
    await _run(update, context, event_of(update, Kind.EDITED, text=text, file=file))


def message_event(update: Update) -> Incoming | None:
    """A buyer's text, file or shared item as its handler above makes it (None: another kind)."""
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return event_of(update, Kind.TEXT, text=message.text)
    item = evidence_of(message)
    if item is not None:
        return event_of(update, Kind.FILE, text=message.caption or None, file=item)
    if message.sticker or message.venue or message.location or message.contact:
        kind, summary = shared_of(message)
        return event_of(update, Kind.SHARED, text=summary, data=kind)
    return None


async def on_button(update: Update, context: Context) -> None:
    """A pressed button; one pressed outside the buyer's own chat acts nowhere."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    if query.message is None or query.message.chat.id != update.effective_user.id:
        # A buyer's buttons act only in their own private chat; the answer would go elsewhere.
        language = await core.language_of(services(context), sender_of(update))
        await query.answer(t(language, "common.not_your_button"), show_alert=True)
        return
    event = Incoming(sender_of(update), Kind.BUTTON, data=query.data, resumed=is_resuming())
    outcome = await core.handle(services(context), event)
    if outcome.notice is not None:
        await _answer(update, outcome.notice, show_alert=True)
        return
    await _answer(update)
    if outcome.remove_buttons:
        await _remove_buttons(update)
    thread = thread_of(query.message) if isinstance(query.message, Message) else None
    if outcome.replies:
        answered_again()
    await send(context, update.effective_chat.id, outcome.replies, thread=thread)


async def _answer(update: Update, text: str | None = None, **options) -> None:
    """Stops the button's spinner; a press answered too late (after a restart, Telegram
    forgets a query within seconds) must not keep the replies from being queued."""
    try:
        await update.callback_query.answer(text, **options)
    except BadRequest as error:
        log.info("Button press of %s not answered: %s", update.effective_user.id, error)


async def _remove_buttons(update: Update) -> None:
    """Takes the buttons off the answered question, so it cannot be answered twice."""
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except BadRequest:
        pass  # already without buttons, or too old to edit: nothing to undo


def evidence_of(message: Message) -> Evidence | None:
    """The photo, video, document, voice, audio, video note or animation in the message
    as evidence, or None."""
    if message.photo:
        media, kind, mime, name = message.photo[-1], AttachmentKind.PHOTO, "image/jpeg", None
    elif message.video:
        video = message.video
        media, kind, mime, name = video, AttachmentKind.VIDEO, video.mime_type, video.file_name
    elif message.animation:  # before the document: Telegram sends an animation as both
        gif = message.animation
        media, kind, mime, name = gif, AttachmentKind.ANIMATION, gif.mime_type, gif.file_name
    elif message.voice:
        media, kind, mime, name = message.voice, AttachmentKind.VOICE, message.voice.mime_type, None
    elif message.audio:
        audio = message.audio
        media, kind, mime, name = audio, AttachmentKind.AUDIO, audio.mime_type, audio.file_name
    elif message.video_note:
        media, kind, mime, name = message.video_note, AttachmentKind.VIDEO_NOTE, "video/mp4", None
    elif message.document:
        doc = message.document
        media, kind, mime, name = doc, AttachmentKind.DOCUMENT, doc.mime_type, doc.file_name
    else:
        return None
    return Evidence(
        kind=kind,
        file_id=media.file_id,
        file_unique_id=media.file_unique_id,
        file_size=media.file_size,
        mime_type=mime,
        file_name=name,
        caption=message.caption or None,
        media_group_id=message.media_group_id,
    )


def _album_scheduler(context: Context, update: Update):
    """One count for an album instead of one per picture, sent when the album has arrived."""
    if context.job_queue is None or update.effective_chat is None:
        return None
    chat_id = update.effective_chat.id

    def schedule(group: str, language: str) -> None:
        name = f"album:{chat_id}:{group}"
        for job in context.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        context.job_queue.run_once(
            album_ack, ALBUM_ACK_DELAY, chat_id=chat_id, name=name, data=language
        )

    return schedule


async def album_ack(context: Context) -> None:
    """Tells the buyer how many files have arrived after an album."""
    job: Job = context.job
    await send(context, job.chat_id, await album_count(services(context), job.chat_id, job.data))
