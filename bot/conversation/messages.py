"""Everything a buyer sends that is not a command or a button: texts and files."""

from __future__ import annotations

import re
from html import escape
from pathlib import PurePosixPath

from bot.conversation import aftercare, commands
from bot.conversation.commands import main_menu, status_reply
from bot.conversation.events import Kind
from bot.conversation.relay import deliver_followup
from bot.conversation.turn import Turn
from bot.faq import response_text
from bot.nlu import NluResult
from bot.services.cancelling import asks_to_cancel
from bot.services.followups import AddedToTicket, AskWhichTicket, Pending
from bot.services.intake_draft import MAX_EVIDENCE_BYTES, Evidence, Step
from bot.texts import t
from bot.views.followups import render_which_ticket
from bot.views.intake import render_evidence_count, render_evidence_refusal, render_prompt
from bot.views.reply import Reply
from storage.models import AttachmentKind

SMALL_TALK = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thank",
              "help": "utter_help"}  # fmt: skip
NOTHING_TO_DO = {"cancel", "affirm", "deny"}
TICKET_NUMBER = re.compile(r"\bTS-\d{8}-\d{4,}\b", re.IGNORECASE)
RASA_SENDER_PREFIX = {"telegram": "tg"}
SPOKEN = (AttachmentKind.VOICE, AttachmentKind.VIDEO_NOTE)


async def on_text(turn: Turn) -> list[Reply]:
    """Treats text as the answer to the current question, a question, or a new complaint."""
    language = turn.language
    text = (turn.event.text or "").strip()
    if not text.strip("\u200b\u200c\u200d\ufeff \n\t"):
        return [Reply(t(language, "common.empty_text"))]
    prompt = await turn.services.intake.current(turn.person_id)
    in_topic = await _to_topic_ticket(turn, prompt)
    if in_topic is not None:
        return [await deliver_followup(turn, in_topic)]
    if prompt is None:
        return await free_text(turn, text)
    if await asks_to_cancel(text, turn.parse):
        return await commands.cancel(turn)
    return await answer_step(turn, prompt.step, text)


async def answer_step(turn: Turn, step: Step, text: str) -> list[Reply]:
    """Hands typed text to the question the buyer is at."""
    svc, language, user_id = turn.services, turn.language, turn.person_id
    intake = svc.intake
    if step is Step.DESCRIBE:
        prompt = await intake.describe(user_id, text, await turn.parse(text))
    elif step is Step.ORDER:
        prompt = await intake.give_order(user_id, text)
    elif step is Step.SHOP:
        prompt = await intake.give_shop(user_id, text)
    elif step is Step.CATEGORY:
        prompt = await intake.continue_description(user_id, text)
    elif step is Step.COMMENT:
        replies = await aftercare.comment(turn, text)
        return await free_text(turn, text) if replies is None else replies
    elif step is Step.REVIEW:
        return await aftercare.review_reason(turn, text)
    elif step is Step.ROUTE:
        held = await svc.followups.hold(user_id, pending_of(turn))
        return render_which_ticket(held, language)
    else:
        key = "intake.send_files_please" if step is Step.EVIDENCE else "intake.in_progress_hint"
        current = await intake.current(user_id)
        replies = render_prompt(current, language) if current else []
        return [Reply(t(language, key)), *replies]
    return render_prompt(prompt, language)


async def free_text(turn: Turn, text: str) -> list[Reply]:
    """Without a complaint in progress: answers questions, or starts or routes a complaint."""
    svc, language = turn.services, turn.language
    replied = await to_replied_ticket(turn)
    if replied is not None:
        return [await deliver_followup(turn, replied)]
    number = TICKET_NUMBER.search(text)
    if number and len(text) <= len(number.group(0)) + 12:
        return [await status_reply(turn, number.group(0))]
    nlu = await turn.parse(text)
    if isinstance(nlu, NluResult) and not nlu.is_fallback:
        if nlu.intent in SMALL_TALK or nlu.intent == "faq":
            return [await rasa_reply(turn, text, nlu)]
        if nlu.intent == "check_status":
            return [await status_reply(turn, nlu.entities.get("ticket_id"))]
        if nlu.intent == "escalate":
            choices = await aftercare.unhappy(turn)
            if choices:
                return choices
        if nlu.intent in NOTHING_TO_DO:
            return [Reply(t(language, "common.nothing_in_progress"), main_menu(language))]
    routed = await route(turn)
    if isinstance(routed, AddedToTicket):
        return [await deliver_followup(turn, routed)]
    if isinstance(routed, AskWhichTicket):
        return render_which_ticket(routed, language)
    return render_prompt(await svc.intake.describe(turn.person_id, text, nlu), language)


async def rasa_reply(turn: Turn, text: str, nlu: NluResult) -> Reply:
    """Rasa's own answer; the domain file's text when the server cannot answer right now."""
    language = turn.language
    sender = f"{RASA_SENDER_PREFIX.get(turn.channel, turn.channel)}-{turn.person_id}"
    replies = await turn.services.nlu.reply(sender, text, language)
    if isinstance(replies, list) and replies:
        return Reply("\n\n".join(escape(r) for r in replies), main_menu(language))
    name = nlu.faq_key.replace("faq/", "utter_faq/") if nlu.faq_key else SMALL_TALK.get(nlu.intent)
    fallback = response_text(name, language) if name else None
    return Reply(escape(fallback) if fallback else t(language, "help.text"), main_menu(language))


async def route(turn: Turn) -> AddedToTicket | AskWhichTicket | None:
    """A reply to one of a ticket's messages, or a message in a ticket's topic, goes to that
    ticket; anything else is routed."""
    replied = await to_replied_ticket(turn) or await to_topic_ticket(turn)
    if replied is not None:
        return replied
    return await turn.services.followups.route(turn.person_id, pending_of(turn))


async def to_replied_ticket(turn: Turn) -> AddedToTicket | None:
    """Adds a reply to one of the buyer's ticket messages to that ticket, whatever it says."""
    svc, reply = turn.services, turn.event.reply_to
    if reply is None:
        return None
    ticket = await svc.tickets.find_ticket_by_message(reply.chat_id, reply.message_id)
    if ticket is None or ticket.owner_id != turn.person_id:
        return None
    return await svc.followups.add_to(ticket.owner_id, ticket.number, pending_of(turn))


async def to_topic_ticket(turn: Turn) -> AddedToTicket | None:
    """Adds a message sent in one of the buyer's ticket topics to that ticket, whatever it says."""
    svc, thread = turn.services, turn.event.thread
    if thread is None:
        return None
    ticket = await svc.tickets.find_ticket_by_buyer_topic(turn.person_id, thread)
    if ticket is None:
        return None
    return await svc.followups.add_to(ticket.owner_id, ticket.number, pending_of(turn))


async def _to_topic_ticket(turn: Turn, prompt) -> AddedToTicket | None:
    """As `to_topic_ticket`, unless the buyer is answering a question of the aftercare
    (a comment on the rating, a reason for a review), which is about a ticket already."""
    if prompt is not None and prompt.step in (Step.COMMENT, Step.REVIEW):
        return None
    return await to_topic_ticket(turn)


def pending_of(turn: Turn) -> Pending:
    """What the buyer sent, as the follow-up service keeps it until it knows the ticket."""
    source = turn.source
    assert source is not None, "a message the buyer sent has a place on their channel"
    return Pending(
        chat_id=source.chat_id,
        message_id=source.message_id,
        text=turn.event.text or None,
        evidence=turn.event.file,
        shared=turn.event.data if turn.event.kind is Kind.SHARED else None,
    )


async def on_file(turn: Turn) -> list[Reply]:
    """Keeps a photo, video or file as evidence, or relays it to the buyer's ticket."""
    svc, language, item = turn.services, turn.language, turn.event.file
    assert item is not None
    prompt = await svc.intake.current(turn.person_id)
    in_topic = await _to_topic_ticket(turn, prompt)
    if in_topic is not None:
        return [await deliver_followup(turn, in_topic)]
    if prompt is None or prompt.step in (Step.ROUTE, Step.COMMENT, Step.REVIEW):
        return await free_file(turn)
    if prompt.step is Step.DESCRIBE and item.kind in SPOKEN:
        return await spoken_description(turn)
    if prompt.step is not Step.EVIDENCE:
        return [Reply(t(language, "intake.send_text_please")), *render_prompt(prompt, language)]
    result = await svc.intake.add_evidence(turn.person_id, item)
    if result.refused is not None:
        return [render_evidence_refusal(result.refused, type_label(item, language), language)]
    if item.media_group_id and turn.after_album is not None:
        turn.after_album(item.media_group_id, language)
        return []
    return [render_evidence_count(result.draft, language)]


def type_label(item: Evidence, language: str) -> str:
    """How to name a refused file's type: its extension, else its MIME type, else its kind."""
    suffix = PurePosixPath(item.file_name or "").suffix
    return suffix or item.mime_type or t(language, f"kind.{item.kind.value}")


async def free_file(turn: Turn) -> list[Reply]:
    """A file outside the evidence step belongs to a ticket; the buyer may have to say which."""
    routed = await route(turn)
    if isinstance(routed, AddedToTicket):
        return [await deliver_followup(turn, routed), *too_big_line(turn)]
    if isinstance(routed, AskWhichTicket):
        return render_which_ticket(routed, turn.language)
    if turn.event.file is not None and turn.event.file.kind in SPOKEN:
        await turn.services.intake.begin(turn.person_id)  # a complaint told out loud
        return await spoken_description(turn)
    return [Reply(t(turn.language, "common.nothing_in_progress"), main_menu(turn.language))]


async def spoken_description(turn: Turn) -> list[Reply]:
    """A voice message instead of the description: kept with the complaint, and the buyer
    is asked for a sentence in writing (the bot does not transcribe speech)."""
    result = await turn.services.intake.add_evidence(turn.person_id, turn.event.file)
    if result.refused is not None:
        label = type_label(turn.event.file, turn.language)
        return [render_evidence_refusal(result.refused, label, turn.language)]
    return [Reply(t(turn.language, "kinds.spoken_kept"))]


def too_big_line(turn: Turn) -> list[Reply]:
    """A file over the Bot API's 20 MB download limit reaches the agents but is not kept."""
    item = turn.event.file
    if item is None or item.file_size is None or item.file_size <= MAX_EVIDENCE_BYTES:
        return []
    return [Reply(t(turn.language, "kinds.too_big_relayed", max_mb=MAX_EVIDENCE_BYTES >> 20))]


async def on_shared(turn: Turn) -> list[Reply]:
    """A sticker, location or contact goes to the buyer's open ticket; with none (or in the
    middle of a complaint) the bot says what it can take."""
    prompt = await turn.services.intake.current(turn.person_id)
    if prompt is not None and prompt.step not in (Step.ROUTE, Step.COMMENT, Step.REVIEW):
        return on_unsupported(turn)
    routed = await route(turn)
    if isinstance(routed, AddedToTicket):
        return [await deliver_followup(turn, routed)]
    if isinstance(routed, AskWhichTicket):
        return render_which_ticket(routed, turn.language)
    return on_unsupported(turn)


async def album_count(services, person_id: int, language: str) -> list[Reply]:
    """How many files have arrived, once an album (several files sent at once) is in."""
    prompt = await services.intake.current(person_id)
    if prompt is not None and prompt.step is Step.EVIDENCE:
        return [render_evidence_count(prompt.draft, language)]
    return []


def on_unsupported(turn: Turn) -> list[Reply]:
    """Polls, dice, games (and what only an open ticket takes): what the bot can take."""
    return [Reply(t(turn.language, "common.unsupported_message"))]


def on_empty(turn: Turn) -> list[Reply]:
    return [Reply(t(turn.language, "common.empty_text"))]
