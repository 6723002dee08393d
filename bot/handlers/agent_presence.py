"""/away and /back in the agents' group: the assignment rules skip an agent who is away."""

from __future__ import annotations

from html import escape

from telegram import Update

from bot.agents.access import linked_group_of
from bot.context import Context
from bot.handlers.agent_commands import _lang, _reply
from bot.handlers.common import services
from bot.texts import t


async def away(update: Update, context: Context) -> None:
    """Marks the agent away: no new ticket is assigned to them until /back."""
    await _set(update, context, away=True)


async def back(update: Update, context: Context) -> None:
    """Marks the agent back: the rules assign them tickets again."""
    await _set(update, context, away=False)


async def _set(update: Update, context: Context, *, away: bool) -> None:
    svc, user, language = services(context), update.effective_user, _lang(context)
    if user is None or await linked_group_of(update, svc.groups) is None:
        await _reply(update, t(language, "agent.not_agent"))
        return
    await svc.people.get_or_create(user.id, user.full_name)
    changed = await svc.assignment.set_away(user.id, away)
    key = (
        ("away" if changed else "already_away") if away else ("back" if changed else "already_back")
    )
    await _reply(update, t(language, f"assignment.{key}", agent=escape(user.full_name)))
