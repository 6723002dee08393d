"""Assignment rules through the fake Bot API: with one agent away the new ticket goes to the
other, mentioned on the card by id; /back puts them in the rotation again; /assign still
overrides; /away and /back answer in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

from tests.bot.checks import shown
from tests.bot.desk import Desk, file_complaint


def _rules(tmp_path: Path, *agents: int) -> Path:
    path = tmp_path / "assignment.toml"
    path.write_text(
        f'[[rule]]\nname = "quality"\ncategories = ["product_quality"]\nagents = {list(agents)}\n',
        encoding="utf-8",
    )
    return path


async def _with_rules(desk: Desk, tmp_path: Path) -> None:
    rules = _rules(tmp_path, desk.agent.id, desk.colleague.id)
    desk.world.settings_overrides["assignment_rules_file"] = rules
    await desk.world.restart()


def _mentions(card) -> list[int]:
    return [e["user"]["id"] for e in card.get("entities", []) if e["type"] == "text_mention"]


async def _new_ticket(desk: Desk, name: str):
    buyer = desk.world.buyer(name)
    await file_complaint(desk.world, buyer)
    svc = desk.world.services
    ticket = (await svc.tickets.list_for_owner(buyer.id))[0]
    return ticket, desk.fake.message(desk.group, ticket.group_card_message_id)


async def test_an_agent_away_is_skipped_and_the_assignee_mentioned(
    desk: Desk, tmp_path: Path
) -> None:
    await _with_rules(desk, tmp_path)
    desk.fake.send_command(desk.colleague, "back", chat=desk.group)  # the bot learns the name
    desk.fake.send_command(desk.agent, "away", chat=desk.group)
    await desk.world.settle()
    assert desk.fake.sent_to(desk.group)[-1].content == shown("assignment.away", agent="王客服")

    first, card = await _new_ticket(desk, "韩梅梅")
    second, second_card = await _new_ticket(desk, "李华")

    assert first.assignee_id == second.assignee_id == desk.colleague.id
    assert "负责人:赵客服" in card.content and _mentions(card) == [desk.colleague.id]
    assert _mentions(second_card) == [desk.colleague.id]
    desk.fake.send_command(desk.agent, "back", chat=desk.group)
    await desk.world.settle()
    assert desk.fake.sent_to(desk.group)[-1].content == shown("assignment.back", agent="王客服")
    third, third_card = await _new_ticket(desk, "张伟")
    assert third.assignee_id == desk.agent.id and _mentions(third_card) == [desk.agent.id]
    # /assign overrides the rule: the supervisor gives the ticket to Zhao by id.
    where = {"thread_id": third.group_topic_id} if third.group_topic_id else {
        "reply_to": third.group_card_message_id}  # fmt: skip
    desk.fake.send_command(desk.agent, "assign", str(desk.colleague.id), chat=desk.group, **where)
    await desk.world.settle()
    after = await desk.world.services.tickets.get(third.number)
    assert after.assignee_id == desk.colleague.id
    card = desk.fake.message(desk.group, third.group_card_message_id)
    assert _mentions(card) == [desk.colleague.id]


async def test_away_and_back_in_english(desk: Desk, tmp_path: Path) -> None:
    desk.world.settings_overrides["agent_language"] = "en"
    await _with_rules(desk, tmp_path)

    for command, key in (("away", "away"), ("away", "already_away"), ("back", "back"),
                         ("back", "already_back")):  # fmt: skip
        desk.fake.send_command(desk.colleague, command, chat=desk.group)
        await desk.world.settle()
        assert desk.fake.sent_to(desk.group)[-1].content == shown(
            f"assignment.{key}", "en", agent="赵客服"
        )


async def test_away_outside_the_agents_group_is_refused(desk: Desk) -> None:
    replies = await desk.world.command(desk.buyer, "away")
    assert replies[-1].content == shown("agent.not_agent")
    assert await desk.world.services.assignment.away() == []


def test_check_config_names_a_mistake_in_the_rules(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    project = Path(__file__).resolve().parents[2]
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nname = "x"\nagents = [1]\nplatforms = ["amazon"]\n', "utf-8")
    env = {**os.environ, "PYTHONPATH": str(project), "TELEGRAM_BOT_TOKEN": "1:x",
           "ASSIGNMENT_RULES_FILE": str(bad)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check-config"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "unknown platforms ['amazon']" in done.stderr
