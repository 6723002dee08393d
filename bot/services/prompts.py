"""Questions the bot asks agents in the group (the explanation of a resolution or a
rejection), answered by replying to them; kept in the database like all state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.services.clock import Clock
from storage.db import SessionFactory, transaction
from storage.models import AgentPrompt, Ticket

if TYPE_CHECKING:
    from bot.outbox.store import OutboxStore

ACTIONS = ("resolve", "reject")
POSTED = "prompt.posted"  # the follow-up of the question once the outbox has posted it
SETTLE_SECONDS = 5.0  # how long a reply waits for its question's posting to be recorded
_LOOK_AGAIN = 0.05


@dataclass(frozen=True, slots=True)
class OpenPrompt:
    id: int
    number: str
    action: str
    agent_id: int


class PromptService:
    """Opens prompts and finds the one an agent's reply answers."""

    def __init__(
        self, sessions: SessionFactory, clock: Clock, outbox: OutboxStore | None = None
    ) -> None:
        self._sessions, self._clock, self._outbox = sessions, clock, outbox

    async def open(
        self, number: str, action: str, agent_id: int, chat_id: int, prompt_message_id: int
    ) -> None:
        """Remembers that the message `prompt_message_id` asks for `action`'s explanation."""
        if action not in ACTIONS:
            raise ValueError(action)
        async with transaction(self._sessions) as session:
            ticket_id = await session.scalar(select(Ticket.id).where(Ticket.number == number))
            session.add(
                AgentPrompt(
                    ticket_id=ticket_id,
                    action=action,
                    agent_id=agent_id,
                    group_chat_id=chat_id,
                    prompt_message_id=prompt_message_id,
                    created_at=self._clock(),
                )
            )

    async def posted(
        self, message_id: int | None, *, number: str, action: str, agent: int, chat: int
    ) -> None:
        """The question is in the group as `message_id`: its answer can be recognised."""
        if message_id is not None:
            await self.open(number, action, agent, chat, message_id)

    async def find(
        self, chat_id: int, prompt_message_id: int, *, settle: float = 0.0
    ) -> OpenPrompt | None:
        """The unanswered prompt that message is, if any. With `settle`, a reply that comes
        while a question is posted but its message id not yet recorded (Telegram answers the
        outbox's worker a moment after showing the message) waits for it, `settle` s at most,
        instead of being taken for an answer to the buyer."""
        found = await self._find(chat_id, prompt_message_id)
        if found is not None or settle <= 0 or self._outbox is None:
            return found
        deadline = asyncio.get_running_loop().time() + settle
        while await self._outbox.follows_unsent(POSTED):
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(_LOOK_AGAIN)
        return await self._find(chat_id, prompt_message_id)

    async def _find(self, chat_id: int, prompt_message_id: int) -> OpenPrompt | None:
        async with transaction(self._sessions, read_only=True) as session:
            row = (
                await session.execute(
                    select(AgentPrompt, Ticket.number)
                    .join(Ticket, Ticket.id == AgentPrompt.ticket_id)
                    .where(
                        AgentPrompt.group_chat_id == chat_id,
                        AgentPrompt.prompt_message_id == prompt_message_id,
                        AgentPrompt.answered_at.is_(None),
                    )
                )
            ).first()
        if row is None:
            return None
        prompt, number = row
        return OpenPrompt(prompt.id, number, prompt.action, prompt.agent_id)

    async def answered(self, prompt_id: int) -> None:
        async with transaction(self._sessions) as session:
            prompt = await session.get_one(AgentPrompt, prompt_id, with_for_update=True)
            prompt.answered_at = self._clock()
