"""Everything a buyer sends in the private chat that is not a command or a button."""

from __future__ import annotations

import re
from html import escape
from pathlib import PurePosixPath

from telegram import Message, Update
from telegram.ext import Job

from bot.context import Context
from bot.faq import response_text
from bot.handlers import aftercare, buyer_commands
from bot.handlers.buyer_commands import main_menu, status_reply
from bot.handlers.common import answer, buyer_language, send, services
from bot.handlers.relay import deliver_followup
from bot.nlu import NluResult
from bot.services.cancelling import asks_to_cancel
from bot.services.followups import AddedToTicket, AskWhichTicket
from bot.services.intake_draft import Evidence, Step
from bot.texts import t
from bot.views.followups import render_which_ticket
from bot.views.intake import render_evidence_count, render_evidence_refusal, render_prompt
from bot.views.reply import Reply
from storage.models import AttachmentKind

SMALL_TALK = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thank",
              "help": "utter_help"}  # fmt: skip
NOTHING_TO_DO = {"cancel", "affirm", "deny"}
TICKET_NUMBER = re.compile(r"\bTS-\d{8}-\d{4,}\b", re.IGNORECASE)
ALBUM_ACK_DELAY = 1.5


async def on_text(update: Update, context: Context) -> None:
    """Treats text as the answer to the current question, a question, or a new complaint."""
    message, language = update.effective_message, await buyer_language(update, context)
    assert message is not None and update.effective_user is not None
    text = (message.text or "").strip()
    if not text.strip("\u200b\u200c\u200d\ufeff \n\t"):
        await answer(update, context, Reply(t(language, "common.empty_text")))
        return
    prompt = await services(context).intake.current(update.effective_user.id)
    if prompt is None:
        await free_text(update, context, language, text)
    elif await asks_to_cancel(text, services(context).nlu.parse):
        await buyer_commands.cancel(update, context)
    else:
        await answer_step(update, context, language, prompt.step, text)


async def answer_step(
    update: Update, context: Context, language: str, step: Step, text: str
) -> None:
    """Hands typed text to the question the buyer is at."""
    intake, user_id = services(context).intake, update.effective_user.id
    if step is Step.DESCRIBE:
        prompt = await intake.describe(user_id, text, await services(context).nlu.parse(text))
    elif step is Step.ORDER:
        prompt = await intake.give_order(user_id, text)
    elif step is Step.SHOP:
        prompt = await intake.give_shop(user_id, text)
    elif step is Step.CATEGORY:
        prompt = await intake.continue_description(user_id, text)
    elif step is Step.COMMENT:
        replies = await aftercare.comment(update, context, text, language)
        if replies is None:
            await free_text(update, context, language, text)
        else:
            await answer(update, context, *replies)
        return
    elif step is Step.REVIEW:
        replies = await aftercare.review_reason(update, context, text, language)
        await answer(update, context, *replies)
        return
    elif step is Step.ROUTE:
        prompt = await services(context).followups.hold(
            user_id, pending_of(update.effective_message)
        )
        await answer(update, context, *render_which_ticket(prompt, language))
        return
    else:
        key = "intake.send_files_please" if step is Step.EVIDENCE else "intake.in_progress_hint"
        current = await intake.current(user_id)
        replies = render_prompt(current, language) if current else []
        await answer(update, context, Reply(t(language, key)), *replies)
        return
    await answer(update, context, *render_prompt(prompt, language))


async def free_text(update: Update, context: Context, language: str, text: str) -> None:
    """Without a complaint in progress: answers questions, or starts or routes a complaint."""
    svc, user = services(context), update.effective_user
    replied = await to_replied_ticket(update, context)
    if replied is not None:
        await answer(update, context, await deliver_followup(context, replied, language))
        return
    number = TICKET_NUMBER.search(text)
    if number and len(text) <= len(number.group(0)) + 12:
        await answer(
            update, context, await status_reply(update, context, language, number.group(0))
        )
        return
    nlu = await svc.nlu.parse(text)
    if isinstance(nlu, NluResult) and not nlu.is_fallback:
        if nlu.intent in SMALL_TALK or nlu.intent == "faq":
            await answer(update, context, await rasa_reply(update, context, language, text, nlu))
            return
        if nlu.intent == "check_status":
            asked = nlu.entities.get("ticket_id")
            await answer(update, context, await status_reply(update, context, language, asked))
            return
        if nlu.intent == "escalate":
            choices = await aftercare.unhappy(update, context, language)
            if choices:
                await answer(update, context, *choices)
                return
        if nlu.intent in NOTHING_TO_DO:
            reply = Reply(t(language, "common.nothing_in_progress"), main_menu(language))
            await answer(update, context, reply)
            return
    routed = await route(update, context)
    if isinstance(routed, AddedToTicket):
        await answer(update, context, await deliver_followup(context, routed, language))
    elif isinstance(routed, AskWhichTicket):
        await answer(update, context, *render_which_ticket(routed, language))
    else:
        await answer(
            update, context, *render_prompt(await svc.intake.describe(user.id, text, nlu), language)
        )


async def rasa_reply(
    update: Update, context: Context, language: str, text: str, nlu: NluResult
) -> Reply:
    """Rasa's own answer; the domain file's text when the server cannot answer right now."""
    sender = f"tg-{update.effective_user.id}"
    replies = await services(context).nlu.reply(sender, text, language)
    if isinstance(replies, list) and replies:
        return Reply("\n\n".join(escape(r) for r in replies), main_menu(language))
    name = nlu.faq_key.replace("faq/", "utter_faq/") if nlu.faq_key else SMALL_TALK.get(nlu.intent)
    fallback = response_text(name, language) if name else None
    return Reply(escape(fallback) if fallback else t(language, "help.text"), main_menu(language))


async def route(update: Update, context: Context) -> AddedToTicket | AskWhichTicket | None:
    """A reply to one of a ticket's messages goes to that ticket; anything else is routed."""
    replied = await to_replied_ticket(update, context)
    if replied is not None:
        return replied
    pending = pending_of(update.effective_message)
    return await services(context).followups.route(update.effective_user.id, pending)


async def to_replied_ticket(update: Update, context: Context) -> AddedToTicket | None:
    """Adds a reply to one of the buyer's ticket messages to that ticket, whatever it says."""
    svc, message = services(context), update.effective_message
    reply = message.reply_to_message
    if reply is None:
        return None
    ticket = await svc.tickets.find_ticket_by_message(message.chat_id, reply.message_id)
    if ticket is None or ticket.owner_id != update.effective_user.id:
        return None
    return await svc.followups.add_to(ticket.owner_id, ticket.number, pending_of(message))


def evidence_of(message: Message) -> Evidence | None:
    """The photo, video or document in the message as evidence, or None."""
    if message.photo:
        media, kind, mime, name = message.photo[-1], AttachmentKind.PHOTO, "image/jpeg", None
    elif message.video:
        video = message.video
        media, kind, mime, name = video, AttachmentKind.VIDEO, video.mime_type, video.file_name
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


def pending_of(message: Message | None):
    """What the buyer sent, as the follow-up service keeps it until it knows the ticket."""
    from bot.services.followups import Pending

    assert message is not None
    return Pending(
        chat_id=message.chat_id,
        message_id=message.message_id,
        text=message.text or message.caption or None,
        evidence=evidence_of(message),
    )


async def on_media(update: Update, context: Context) -> None:
    """Keeps a photo, video or file as evidence, or relays it to the buyer's ticket."""
    message, language = update.effective_message, await buyer_language(update, context)
    assert message is not None and update.effective_user is not None
    item, svc = evidence_of(message), services(context)
    prompt = await svc.intake.current(update.effective_user.id)
    if item is None:
        return
    if prompt is None or prompt.step in (Step.ROUTE, Step.COMMENT, Step.REVIEW):
        await free_media(update, context, language)
        return
    if prompt.step is not Step.EVIDENCE:
        await answer(update, context, Reply(t(language, "intake.send_text_please")),
                     *render_prompt(prompt, language))  # fmt: skip
        return
    result = await svc.intake.add_evidence(update.effective_user.id, item)
    if result.refused is not None:
        await answer(
            update,
            context,
            render_evidence_refusal(result.refused, type_label(item, language), language),
        )
    elif item.media_group_id:
        schedule_album_ack(context, message.chat_id, item.media_group_id, language)
    else:
        await answer(update, context, render_evidence_count(result.draft, language))


def type_label(item: Evidence, language: str) -> str:
    """How to name a refused file's type: its extension, else its MIME type, else its kind."""
    suffix = PurePosixPath(item.file_name or "").suffix
    return suffix or item.mime_type or t(language, f"kind.{item.kind.value}")


async def free_media(update: Update, context: Context, language: str) -> None:
    """A file outside the evidence step belongs to a ticket; the buyer may have to say which."""
    routed = await route(update, context)
    if isinstance(routed, AddedToTicket):
        await answer(update, context, await deliver_followup(context, routed, language))
    elif isinstance(routed, AskWhichTicket):
        await answer(update, context, *render_which_ticket(routed, language))
    else:
        await answer(update, context, Reply(t(language, "common.nothing_in_progress"),
                                            main_menu(language)))  # fmt: skip


def schedule_album_ack(context: Context, chat_id: int, group: str, language: str) -> None:
    """One count for an album instead of one per picture, sent when the album has arrived."""
    name = f"album:{chat_id}:{group}"
    if context.job_queue is None:
        return
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(
        album_ack, ALBUM_ACK_DELAY, chat_id=chat_id, name=name, data=language
    )


async def album_ack(context: Context) -> None:
    """Tells the buyer how many files have arrived after an album."""
    job: Job = context.job
    prompt = await services(context).intake.current(job.chat_id)
    if prompt is not None and prompt.step is Step.EVIDENCE:
        await send(context, job.chat_id, [render_evidence_count(prompt.draft, job.data)])


async def on_unsupported(update: Update, context: Context) -> None:
    """Stickers, voice, locations, contacts, polls: says what the bot can take instead."""
    language = await buyer_language(update, context)
    message = update.effective_message
    empty = message is not None and message.text is not None  # a text, but with nothing in it
    key = "common.empty_text" if empty else "common.unsupported_message"
    await answer(update, context, Reply(t(language, key)))


async def on_edited(update: Update, context: Context) -> None:
    """An edited message changes nothing already received; says so."""
    language = await buyer_language(update, context)
    await answer(update, context, Reply(t(language, "common.edited_message")))
