"""The buyer after a decision: rating and comment, review with a reason, escalation."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.context import Context
from bot.handlers.common import services
from bot.services.aftercare import NotDecided, ReviewTooLate
from bot.services.intake_draft import Step
from bot.services.records import TicketRecord
from bot.texts import t
from bot.views.aftercare import (
    ask_comment,
    escalated,
    rating_text,
    unhappy_choices,
    which_ticket,
)
from bot.views.reply import Reply
from bot.views.status import local_time
from storage.errors import InvalidRating

NO_REASON = "—"


async def rate(update: Update, context: Context, number: str, score: int, language: str):
    """Stores the rating, shows it to the agents, offers a comment and, if unhappy, choices."""
    svc, user_id = services(context), update.effective_user.id
    before = await svc.tickets.get_for_owner(user_id, number)
    rated = await svc.aftercare.rate(user_id, number, score)
    await _show_rating(context, rated.ticket)
    if rated.ticket.status is not before.status:
        await svc.agents.refresh_card(rated.ticket)
    replies = [Reply(t(language, "rating.thanks", score=score))]
    if rated.unhappy:
        replies += unhappy_choices(rated.ticket, language)
    if await svc.aftercare.expect_text(user_id, Step.COMMENT, number):
        replies.append(ask_comment(number, language))
    return replies


async def comment(update: Update, context: Context, text: str, language: str) -> list[Reply] | None:
    """Adds the buyer's comment to their rating; None when it can no longer be one (the
    ticket moved on), so the text is handled like any other message."""
    svc, user_id = services(context), update.effective_user.id
    number = await svc.aftercare.take_text(user_id, Step.COMMENT)
    ticket = await svc.tickets.get_for_owner(user_id, number) if number else None
    rating = await svc.tickets.rating_of(ticket.id) if ticket else None
    if ticket is None or rating is None:
        return None
    try:
        rated = await svc.aftercare.rate(user_id, number, rating.score, text.strip())
    except InvalidRating:
        return None
    await _show_rating(context, rated.ticket)
    return [Reply(t(language, "rating.comment_saved"))]


async def skip_comment(update: Update, context: Context, language: str) -> list[Reply]:
    await services(context).aftercare.take_text(update.effective_user.id, Step.COMMENT)
    return [Reply(t(language, "rating.comment_saved"))]


async def _show_rating(context: Context, ticket: TicketRecord) -> None:
    svc = services(context)
    rating = await svc.tickets.rating_of(ticket.id)
    if rating is not None:
        await svc.agents.refresh_card(ticket)
        line = rating_text(rating, svc.settings.agent_language, "rating.topic_line")
        await svc.agents.post_in_ticket(ticket, line)


async def ask_review(update: Update, context: Context, number: str, language: str):
    """Asks for the reason of the review (filed at once while an intake is in progress)."""
    svc, user_id = services(context), update.effective_user.id
    problem = await _cannot_review(context, user_id, number, language)
    if problem is not None:
        return [problem]
    if await svc.aftercare.expect_text(user_id, Step.REVIEW, number):
        return [Reply(t(language, "rating.ask_reason"))]
    return await review(update, context, number, NO_REASON, language)


async def review_reason(update: Update, context: Context, text: str, language: str):
    """Files the review with the reason the buyer just wrote."""
    number = await services(context).aftercare.take_text(update.effective_user.id, Step.REVIEW)
    if number is None:
        return []
    return await review(update, context, number, text.strip(), language)


async def review(update: Update, context: Context, number: str, reason: str, language: str):
    svc, user = services(context), update.effective_user
    await svc.aftercare.take_text(user.id, Step.COMMENT)  # no comment expected any more
    problem = await _cannot_review(context, user.id, number, language)
    if problem is not None:
        return [problem]
    before = await svc.tickets.get_for_owner(user.id, number)
    ticket = await svc.aftercare.request_review(user.id, number, reason)
    topic_text = t(svc.settings.agent_language, "rating.review_topic", reason=escape(reason))
    await svc.agents.post_in_ticket(ticket, topic_text)
    await svc.agents.status_changed(ticket, before.status, user.full_name, notify_buyer=False)
    return [Reply(t(language, "rating.reopened", number=number))]


async def escalate(update: Update, context: Context, number: str, language: str):
    """Escalates to the supervisors with a shorter deadline; points to outside channels."""
    svc, user = services(context), update.effective_user
    await svc.aftercare.take_text(user.id, Step.COMMENT)  # no comment expected any more
    problem = await _cannot_review(context, user.id, number, language)
    if problem is not None:
        return [problem]
    before = await svc.tickets.get_for_owner(user.id, number)
    try:
        ticket = await svc.aftercare.escalate(user.id, number)
    except NotDecided:
        return [Reply(t(language, "rating.not_decided", number=number))]
    await svc.agents.status_changed(ticket, before.status, user.full_name, notify_buyer=False)
    await svc.agents.notify_supervisors(ticket)
    return escalated(number, local_time(ticket.resolve_due_at, svc.settings.timezone), language)


async def unhappy(update: Update, context: Context, language: str) -> list[Reply] | None:
    """The buyer says they are not satisfied: choices for their decided ticket(s)."""
    tickets = await services(context).aftercare.reviewable(update.effective_user.id)
    if not tickets:
        return None
    if len(tickets) == 1:
        return unhappy_choices(tickets[0], language)
    return [which_ticket(tickets, language)]


async def choices_for(update: Update, context: Context, number: str, language: str):
    ticket = await services(context).tickets.get_for_owner(update.effective_user.id, number)
    return unhappy_choices(ticket, language)


async def _cannot_review(context: Context, user_id: int, number: str, language: str):
    svc = services(context)
    try:
        await svc.aftercare.check_review(user_id, number)
    except NotDecided:
        return Reply(t(language, "rating.not_decided", number=number))
    except ReviewTooLate:
        text = t(language, "rating.too_late", number=number, days=svc.settings.auto_close_days)
        return Reply(text + "\n\n" + t(language, "rating.outside_channels"))
    return None
