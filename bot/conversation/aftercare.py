"""The buyer after a decision: rating and comment, review with a reason, escalation."""

from __future__ import annotations

from html import escape

from bot.agents.desk import status_change_key
from bot.conversation.turn import Turn
from bot.services.aftercare import NotDecided, ReviewTooLate
from bot.services.intake_draft import Step
from bot.services.records import TicketRecord
from bot.services.tickets import StatusChange
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
from storage.effects import current_update
from storage.errors import InvalidRating
from storage.lifecycle import TicketStatus

NO_REASON = "—"


async def rate(turn: Turn, number: str, score: int) -> list[Reply]:
    """Stores the rating, shows it to the agents, offers a comment and, if unhappy, choices."""
    svc, user_id, language = turn.services, turn.person_id, turn.language
    before = await svc.tickets.get_for_owner(user_id, number)
    rated = await svc.aftercare.rate(user_id, number, score)
    await _show_rating(turn, rated.ticket)
    if rated.ticket.status is not before.status:
        await svc.agents.refresh_card(rated.ticket)
    replies = [Reply(t(language, "rating.thanks", score=score))]
    if rated.unhappy:
        replies += unhappy_choices(rated.ticket, language)
    if await svc.aftercare.expect_text(user_id, Step.COMMENT, number):
        replies.append(ask_comment(number, language))
    return replies


async def comment(turn: Turn, text: str) -> list[Reply] | None:
    """Adds the buyer's comment to their rating; None when it can no longer be one (the
    ticket moved on), so the text is handled like any other message."""
    svc, user_id = turn.services, turn.person_id
    number = await svc.aftercare.take_text(user_id, Step.COMMENT)
    ticket = await svc.tickets.get_for_owner(user_id, number) if number else None
    rating = await svc.tickets.rating_of(ticket.id) if ticket else None
    if ticket is None or rating is None:
        return None
    try:
        rated = await svc.aftercare.rate(user_id, number, rating.score, text.strip())
    except InvalidRating:
        return None
    await _show_rating(turn, rated.ticket)
    return [Reply(t(turn.language, "rating.comment_saved"))]


async def skip_comment(turn: Turn) -> list[Reply]:
    await turn.services.aftercare.take_text(turn.person_id, Step.COMMENT)
    return [Reply(t(turn.language, "rating.comment_saved"))]


async def _show_rating(turn: Turn, ticket: TicketRecord) -> None:
    svc = turn.services
    rating = await svc.tickets.rating_of(ticket.id)
    if rating is not None:
        await svc.agents.refresh_card(ticket)
        line = rating_text(rating, svc.settings.agent_language, "rating.topic_line")
        await svc.agents.post_in_ticket(ticket, line)


async def ask_review(turn: Turn, number: str) -> list[Reply]:
    """Asks for the reason of the review (filed at once while an intake is in progress)."""
    svc, user_id = turn.services, turn.person_id
    problem = await _cannot_review(turn, number)
    if problem is not None:
        return [problem]
    if await svc.aftercare.expect_text(user_id, Step.REVIEW, number):
        return [Reply(t(turn.language, "rating.ask_reason"))]
    return await review(turn, number, NO_REASON)


async def review_reason(turn: Turn, text: str) -> list[Reply]:
    """Files the review with the reason the buyer just wrote."""
    number = await turn.services.aftercare.take_text(turn.person_id, Step.REVIEW)
    if number is None:
        return []
    return await review(turn, number, text.strip())


async def review(turn: Turn, number: str, reason: str) -> list[Reply]:
    svc, user_id = turn.services, turn.person_id
    await svc.aftercare.take_text(user_id, Step.COMMENT)  # no comment expected any more
    done = await _done_before(turn, number, TicketStatus.REOPENED)
    if done is not None:
        return await _reviewed(turn, done.ticket, done.old, done.note or reason)
    problem = await _cannot_review(turn, number)
    if problem is not None:
        return [problem]
    before = await svc.tickets.get_for_owner(user_id, number)
    ticket = await svc.aftercare.request_review(user_id, number, reason)
    return await _reviewed(turn, ticket, before.status, reason)


async def _reviewed(
    turn: Turn, ticket: TicketRecord, old: TicketStatus, reason: str
) -> list[Reply]:
    """What follows a review: the reason and the change in the topic, each once per change
    (told again after a crash), and the buyer's answer."""
    svc = turn.services
    key = status_change_key(ticket, old)
    topic_text = t(svc.settings.agent_language, "rating.review_topic", reason=escape(reason))
    await svc.agents.post_in_ticket(ticket, topic_text, dedupe=f"{key}:reason")
    await svc.agents.status_changed(ticket, old, turn.display_name, notify_buyer=False)
    return [Reply(t(turn.language, "rating.reopened", number=ticket.number))]


async def escalate(turn: Turn, number: str) -> list[Reply]:
    """Escalates to the supervisors with a shorter deadline; points to outside channels."""
    svc, user_id, language = turn.services, turn.person_id, turn.language
    await svc.aftercare.take_text(user_id, Step.COMMENT)  # no comment expected any more
    done = await _done_before(turn, number, TicketStatus.ESCALATED)
    if done is not None:
        return await _escalated(turn, done.ticket, done.old)
    problem = await _cannot_review(turn, number)
    if problem is not None:
        return [problem]
    before = await svc.tickets.get_for_owner(user_id, number)
    try:
        ticket = await svc.aftercare.escalate(user_id, number)
    except NotDecided:
        return [Reply(t(language, "rating.not_decided", number=number))]
    return await _escalated(turn, ticket, before.status)


async def _escalated(turn: Turn, ticket: TicketRecord, old: TicketStatus) -> list[Reply]:
    """What follows an escalation: the change in the topic and the supervisors' alert, each
    once per change (told again after a crash), and the buyer's answer."""
    svc = turn.services
    await svc.agents.status_changed(ticket, old, turn.display_name, notify_buyer=False)
    await svc.agents.notify_supervisors(ticket, dedupe=status_change_key(ticket, old))
    due = local_time(ticket.resolve_due_at, svc.settings.timezone)
    return escalated(ticket.number, due, turn.language)


async def told_again(turn: Turn, change: StatusChange) -> list[Reply] | None:
    """A review or an escalation that an update interrupted by a crash had made: what
    follows it, again (none of it twice); None for another change."""
    if change.ticket.status is TicketStatus.REOPENED:
        return await _reviewed(turn, change.ticket, change.old, change.note or NO_REASON)
    if change.ticket.status is TicketStatus.ESCALATED:
        return await _escalated(turn, change.ticket, change.old)
    return None


async def _done_before(turn: Turn, number: str, status: TicketStatus) -> StatusChange | None:
    """In a press resumed after a crash: the change of ticket `number` to `status` that its
    first handling made (the ticket has moved on, so the check before it would refuse)."""
    update_id = current_update()
    if not turn.event.resumed or update_id is None:
        return None
    for change in await turn.services.tickets.status_changes_during(update_id, turn.person_id):
        if change.ticket.number == number and change.ticket.status is status:
            return change
    return None


async def unhappy(turn: Turn) -> list[Reply] | None:
    """The buyer says they are not satisfied: choices for their decided ticket(s)."""
    tickets = await turn.services.aftercare.reviewable(turn.person_id)
    if not tickets:
        return None
    if len(tickets) == 1:
        return unhappy_choices(tickets[0], turn.language)
    return [which_ticket(tickets, turn.language)]


async def choices_for(turn: Turn, number: str) -> list[Reply]:
    ticket = await turn.services.tickets.get_for_owner(turn.person_id, number)
    return unhappy_choices(ticket, turn.language)


async def _cannot_review(turn: Turn, number: str) -> Reply | None:
    svc, language = turn.services, turn.language
    try:
        await svc.aftercare.check_review(turn.person_id, number)
    except NotDecided:
        return Reply(t(language, "rating.not_decided", number=number))
    except ReviewTooLate:
        text = t(language, "rating.too_late", number=number, days=svc.settings.auto_close_days)
        return Reply(text + "\n\n" + t(language, "rating.outside_channels"))
    return None
