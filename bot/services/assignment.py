"""Assignment rules: a new ticket goes to an agent named for its category and platform, in
turn (round-robin), skipping agents who said /away.

The rules live in a TOML file (ASSIGNMENT_RULES_FILE, `config/assignment.toml` by default;
its own comments describe the format), read at each filing so edits apply without a restart.
The rotation (the agent each rule gave its last ticket to) and who is away are rows in the
database, so they survive restarts and hold across several bot processes: the rotation row is
locked (SELECT … FOR UPDATE on PostgreSQL) for the filing transaction.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.clock import Clock, utc_now
from bot.services.intake_draft import COMPLAINT_CATEGORIES, PLATFORMS
from storage import repositories as repo
from storage.db import SessionFactory, dialect_insert, transaction
from storage.models import AgentPresence, AssignmentRotation, Person, Ticket

log = logging.getLogger(__name__)

RULE_NAME_CHARS = 64


class AssignmentConfigError(ValueError):
    """The rules file cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Rule:
    """Tickets of these categories on these platforms (None: any) go to these agents."""

    name: str
    agents: tuple[int, ...]
    categories: frozenset[str] | None = None
    platforms: frozenset[str] | None = None

    def matches(self, category: str, platform: str | None) -> bool:
        if self.categories is not None and category not in self.categories:
            return False
        return self.platforms is None or platform in self.platforms


def load_rules(path: Path) -> list[Rule]:
    """The rules in the file, in order; no file means no rules. A bad file raises
    AssignmentConfigError naming the rule and the problem."""
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise AssignmentConfigError(f"{path}: {error}") from error
    unknown = set(data) - {"rule"}
    if unknown:
        raise AssignmentConfigError(f"{path}: unknown keys {sorted(unknown)}; only [[rule]]")
    raw = data.get("rule", [])
    if not isinstance(raw, list):
        raise AssignmentConfigError(f"{path}: write each rule as [[rule]]")
    rules = [_rule(path, index, item) for index, item in enumerate(raw, start=1)]
    names = [rule.name for rule in rules]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise AssignmentConfigError(f"{path}: rule names used twice: {twice}")
    return rules


def _rule(path: Path, index: int, item: object) -> Rule:
    where = f"{path}, rule {index}"
    if not isinstance(item, dict):
        raise AssignmentConfigError(f"{where}: a rule is a table")
    unknown = set(item) - {"name", "agents", "categories", "platforms"}
    if unknown:
        raise AssignmentConfigError(f"{where}: unknown keys {sorted(unknown)}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > RULE_NAME_CHARS:
        raise AssignmentConfigError(f"{where}: `name` must be a text of 1-{RULE_NAME_CHARS}")
    agents = item.get("agents")
    if (
        not isinstance(agents, list)
        or not agents
        or not all(isinstance(a, int) and not isinstance(a, bool) and a > 0 for a in agents)
    ):
        raise AssignmentConfigError(f"{where} ({name}): `agents` must list Telegram user ids")
    return Rule(
        name=name.strip(),
        agents=tuple(dict.fromkeys(agents)),
        categories=_names(where, item, "categories", COMPLAINT_CATEGORIES),
        platforms=_names(where, item, "platforms", PLATFORMS),
    )


def _names(where: str, item: dict, key: str, allowed: Sequence[str]) -> frozenset[str] | None:
    if key not in item:
        return None
    values = item[key]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise AssignmentConfigError(f"{where}: `{key}` must list names (or be left out)")
    wrong = sorted(set(values) - set(allowed))
    if wrong:
        raise AssignmentConfigError(f"{where}: unknown {key} {wrong}; known: {list(allowed)}")
    return frozenset(values)


def next_agent(agents: Sequence[int], last: int | None, away: set[int]) -> int | None:
    """The agent after `last` in `agents` (wrapping around) who is not away."""
    start = agents.index(last) + 1 if last in agents else 0
    for step in range(len(agents)):
        agent = agents[(start + step) % len(agents)]
        if agent not in away:
            return agent
    return None


class AssignmentService:
    """Who gets a new ticket, and who is away."""

    def __init__(
        self, sessions: SessionFactory, rules_file: Path, *, clock: Clock = utc_now
    ) -> None:
        self._sessions = sessions
        self._rules_file = rules_file
        self._clock = clock

    def rules(self) -> list[Rule]:
        """The rules as the file says now; an unusable file is logged and means no rules."""
        try:
            return load_rules(self._rules_file)
        except AssignmentConfigError as error:
            log.error("Assignment rules not applied: %s", error)
            return []

    async def assign_new(self, session: AsyncSession, ticket: Ticket) -> int | None:
        """Inside the filing transaction: gives the ticket to the next available agent of the
        first rule that matches it and has one; audited. None when no rule applies."""
        for rule in self.rules():
            if not rule.matches(ticket.category, ticket.platform):
                continue
            away = set(
                await session.scalars(
                    select(AgentPresence.agent_id).where(
                        AgentPresence.agent_id.in_(rule.agents), AgentPresence.is_away
                    )
                )
            )
            if away.issuperset(rule.agents):
                continue
            now = self._clock()
            rotation = await _rotation(session, rule.name, now)
            agent = next_agent(rule.agents, rotation.last_agent_id, away)
            rotation.last_agent_id, rotation.updated_at = agent, now
            await _known(session, agent, now)
            ticket.assignee_id = agent
            repo.record_change(
                session,
                action="assigned",
                at=now,
                actor_id=None,
                ticket_id=ticket.id,
                before={"assignee_id": None},
                after={"assignee_id": agent},
                note=f"rule {rule.name}",
            )
            return agent
        return None

    async def set_away(self, agent_id: int, away: bool) -> bool:
        """Marks the agent away or back; False when they already were. Audited."""
        now = self._clock()
        async with transaction(self._sessions) as session:
            insert = dialect_insert(session)(AgentPresence).values(
                agent_id=agent_id, is_away=False, changed_at=now
            )
            await session.execute(insert.on_conflict_do_nothing(index_elements=["agent_id"]))
            presence = await session.get_one(AgentPresence, agent_id, with_for_update=True)
            if presence.is_away == away:
                return False
            presence.is_away, presence.changed_at = away, now
            repo.record_change(
                session,
                action="away" if away else "back",
                at=now,
                actor_id=agent_id,
                person_id=agent_id,
                before={"is_away": not away},
                after={"is_away": away},
            )
            return True

    async def away(self) -> list[int]:
        """The agents marked away."""
        async with transaction(self._sessions, read_only=True) as session:
            query = select(AgentPresence.agent_id).where(AgentPresence.is_away)
            return list(await session.scalars(query.order_by(AgentPresence.agent_id)))


async def _rotation(session: AsyncSession, rule: str, now) -> AssignmentRotation:
    insert = dialect_insert(session)(AssignmentRotation).values(
        rule=rule, last_agent_id=None, updated_at=now
    )
    await session.execute(insert.on_conflict_do_nothing(index_elements=["rule"]))
    return await session.get_one(
        AssignmentRotation, rule, with_for_update=True, populate_existing=True
    )


async def _known(session: AsyncSession, agent_id: int, now) -> None:
    """The agent as a person (tickets name their assignee), known or not yet."""
    insert = dialect_insert(session)(Person).values(
        id=agent_id, display_name=None, language=None, is_blocked=False,
        created_at=now, updated_at=now,
    )  # fmt: skip
    await session.execute(insert.on_conflict_do_nothing(index_elements=[Person.id]))
