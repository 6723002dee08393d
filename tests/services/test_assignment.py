"""Assignment rules: the file's format and its mistakes, round-robin kept in the database
across restarts, agents away skipped, the next rule when all of a rule's agents are away."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.services.assignment import AssignmentConfigError, AssignmentService, load_rules
from bot.services.tickets import TicketService
from storage.db import SessionFactory
from tests.conftest import FakeClock
from tests.services.conftest import BUYER, audit_rows

pytestmark = pytest.mark.usefixtures("known")

WANG, ZHAO, QIAN, SUN = 3001, 3002, 3003, 3004
RULES = f"""
[[rule]]
name = "quality-taobao"
categories = ["product_quality", "counterfeit"]
platforms = ["taobao", "tmall"]
agents = [{WANG}, {ZHAO}, {QIAN}]

[[rule]]
name = "fallback"
agents = [{SUN}]
"""


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "assignment.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


def _services(sessions: SessionFactory, clock: FakeClock, rules_file: Path):
    assignment = AssignmentService(sessions, rules_file, clock=clock)
    return assignment, TicketService(sessions, clock=clock, assigner=assignment)


async def _file(tickets: TicketService, category="product_quality", platform="taobao"):
    ticket = await tickets.file_ticket(
        BUYER, category=category, platform=platform, description="杯子碎了"
    )
    return ticket.assignee_id


async def test_round_robin_skips_an_agent_away_and_survives_a_restart(
    sessions: SessionFactory, clock: FakeClock, rules_file: Path
) -> None:
    assignment, tickets = _services(sessions, clock, rules_file)
    assert [await _file(tickets) for _ in range(2)] == [WANG, ZHAO]
    assert await assignment.set_away(QIAN, True) is True
    assert await assignment.set_away(QIAN, True) is False  # already away

    assert await _file(tickets) == WANG  # Qian's turn, but Qian is away
    _, restarted = _services(sessions, clock, rules_file)  # a new process, the same database
    assert await _file(restarted) == ZHAO
    await assignment.set_away(QIAN, False)
    assert [await _file(restarted) for _ in range(2)] == [QIAN, WANG]
    assert await assignment.away() == []


async def test_a_ticket_no_rule_covers_goes_to_the_fallback_or_stays_unassigned(
    sessions: SessionFactory, clock: FakeClock, rules_file: Path
) -> None:
    assignment, tickets = _services(sessions, clock, rules_file)
    assert await _file(tickets, category="delivery") == SUN
    assert await _file(tickets, platform="jd") == SUN
    assert await _file(tickets, platform=None) == SUN
    for agent in (WANG, ZHAO, QIAN):
        await assignment.set_away(agent, True)
    assert await _file(tickets) == SUN  # all of the first rule away: the next rule
    await assignment.set_away(SUN, True)
    assert await _file(tickets) is None
    assert sorted(await assignment.away()) == [WANG, ZHAO, QIAN, SUN]


async def test_the_assignment_is_audited_with_its_rule(
    sessions: SessionFactory, clock: FakeClock, rules_file: Path
) -> None:
    _, tickets = _services(sessions, clock, rules_file)
    ticket = await tickets.file_ticket(
        BUYER, category="counterfeit", platform="tmall", description="假货"
    )
    [filed, assigned] = await audit_rows(sessions, ticket.id)
    assert (filed.action, assigned.action, assigned.actor_id) == ("filed", "assigned", None)
    assert (assigned.after, assigned.note) == ({"assignee_id": WANG}, "rule quality-taobao")


async def test_filings_at_once_share_the_rotation_fairly(
    sessions: SessionFactory, clock: FakeClock, rules_file: Path
) -> None:
    _, tickets = _services(sessions, clock, rules_file)
    assignees = await asyncio.gather(*(_file(tickets) for _ in range(6)))
    assert sorted(assignees) == sorted([WANG, ZHAO, QIAN] * 2)


async def test_no_file_means_no_rules_and_a_bad_file_assigns_nobody(
    sessions: SessionFactory, clock: FakeClock, tmp_path: Path
) -> None:
    assert load_rules(tmp_path / "missing.toml") == []
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\nagents = []\n', encoding="utf-8")
    _, tickets = _services(sessions, clock, bad)
    assert await _file(tickets) is None  # filing works; the mistake is logged


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]]\nagents = [1]\n", "`name`"),
        ('[[rule]]\nname = "a"\nagents = ["王"]\n', "`agents`"),
        ('[[rule]]\nname = "a"\nagents = [1]\ncategories = ["shoes"]\n', "unknown categories"),
        ('[[rule]]\nname = "a"\nagents = [1]\nplatforms = ["amazon"]\n', "unknown platforms"),
        ('[[rule]]\nname = "a"\nagents = [1]\n[[rule]]\nname = "a"\nagents = [2]\n', "twice"),
        ('[[rule]]\nname = "a"\nagent = [1]\n', "unknown keys"),
        ("rule = 3\n", "[[rule]]"),
        ("[[rule]\n", "assignment.toml"),
    ],
)
def test_mistakes_in_the_file_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "assignment.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssignmentConfigError) as error:
        load_rules(path)
    assert message in str(error.value)


def test_the_shipped_file_parses() -> None:
    assert load_rules(Path(__file__).resolve().parents[2] / "config" / "assignment.toml") == []
