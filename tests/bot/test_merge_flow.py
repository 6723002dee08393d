"""/merge in a ticket's topic, through the fake Bot API: a ticket with evidence folded into
another of the same buyer, in Chinese and in English, and the merges that are refused."""

from __future__ import annotations

from storage.lifecycle import TicketStatus
from tests.bot.checks import shown
from tests.bot.desk import Desk
from tests.bot.world import texts


async def _second_ticket(desk: Desk, owner: int | None = None):
    """Another ticket of the buyer (or of `owner`), filed and posted like any other."""
    svc = desk.world.services
    ticket = await svc.tickets.file_ticket(
        owner or desk.buyer.id, category="delivery", description="快递一直没到", platform="jd"
    )
    await svc.agents.ticket_filed(ticket)
    await desk.world.settle()  # the outbox posts its topic and card
    return await svc.tickets.get(ticket.number)


def _where(ticket) -> dict:
    if ticket.group_topic_id is not None:
        return {"thread_id": ticket.group_topic_id}
    return {"reply_to": ticket.group_card_message_id}


def _thread(desk: Desk, ticket) -> list:
    if ticket.group_topic_id is not None:
        return desk.fake.sent_to(desk.group, ticket.group_topic_id)
    card = ticket.group_card_message_id
    return [m for m in desk.fake.sent_to(desk.group) if m.reply_to_id == card or m.id == card]


async def test_a_ticket_with_evidence_is_merged_and_the_buyer_told_once(desk: Desk) -> None:
    svc = desk.world.services
    source = await desk.ticket()  # filed with a photo
    await desk.agent_says("请补充包装的照片")
    asked = desk.fake.sent_to(desk.buyer)[-1]  # the agent's answer, relayed for this ticket
    target = await _second_ticket(desk)
    told_before = len(desk.fake.sent_to(desk.buyer))

    await desk.agent_command("merge", target.number.lower(), **_where(source))

    told = desk.fake.sent_to(desk.buyer)[told_before:]
    assert [m.content for m in told] == [
        shown("merge.buyer_told", source=source.number, target=target.number)
    ]
    merged = await svc.tickets.get(source.number)
    assert (merged.status, merged.merged_into) == (TicketStatus.CLOSED, target.number)
    card = desk.fake.message(desk.group, merged.group_card_message_id)
    assert shown("merge.card_line", number=target.number) in card.content
    assert card.buttons == []
    assert f"已并入 {target.number}" in texts(_thread(desk, source))
    there = _thread(desk, await svc.tickets.get(target.number))
    assert "photo" in [m.kind for m in there]  # the evidence shown where agents now work
    assert source.number in texts(there) and "1 个文件" in texts(there)
    target_card = desk.fake.message(desk.group, target.group_card_message_id)
    assert "证据:1 个文件" in target_card.content
    assert [a.caption for a in await svc.tickets.list_attachments(target.number)] == ["裂缝"]
    # The buyer's /status names the ticket it went into; the statistics count one complaint.
    status = await desk.world.command(desk.buyer, "status", source.number)
    assert f"已并入 {target.number}" in status[-1].content
    assert (await svc.stats.summary(7)).total == 1
    # A reply to an old message of the merged ticket reaches the ticket it went into.
    replies = await desk.world.exchange(
        desk.buyer, lambda: desk.fake.send_text(desk.buyer, "还有包装盒", reply_to=asked)
    )
    assert target.number in replies[-1].content
    assert "还有包装盒" in texts(_thread(desk, await svc.tickets.get(target.number)))
    # An agent writing in the merged ticket's thread is sent to the other one.
    before = len(desk.fake.sent_to(desk.buyer))
    await desk.agent_says("还在吗?", **_where(source))
    assert desk.fake.sent_to(desk.group)[-1].content == shown(
        "merge.write_there", number=target.number
    )
    assert len(desk.fake.sent_to(desk.buyer)) == before


async def test_merge_in_english(desk: Desk) -> None:
    svc, world = desk.world.services, desk.world
    anna = world.buyer("Anna", "en")
    await world.command(anna, "start")
    first = await _second_ticket(desk, anna.id)
    second = await _second_ticket(desk, anna.id)
    world.settings_overrides["agent_language"] = "en"
    await world.restart()
    before = len(desk.fake.sent_to(anna))

    await desk.agent_command("merge", second.number, **_where(first))

    told = desk.fake.sent_to(anna)[before:]
    assert [m.content for m in told] == [
        shown("merge.buyer_told", "en", source=first.number, target=second.number)
    ]
    assert f"merged into {second.number}" in texts(_thread(desk, first))
    status = await world.command(anna, "status", first.number)
    assert f"merged into {second.number}" in status[-1].content
    assert (await svc.tickets.get(first.number)).merged_into == second.number


async def test_merges_that_make_no_sense_are_refused_kindly(desk: Desk) -> None:
    svc = desk.world.services
    source = await desk.ticket()
    stranger = desk.world.buyer("韩梅梅")
    await svc.people.get_or_create(stranger.id, "韩梅梅", "zh")
    other = await _second_ticket(desk, stranger.id)
    closed = await _second_ticket(desk)
    for status in (TicketStatus.REJECTED, TicketStatus.CLOSED):
        await svc.tickets.change_status(closed.number, status, desk.agent.id, "重复")
    cases = {
        "TS-20261121-0999": shown("agent.unknown_ticket", number="TS-20261121-0999"),
        source.number: shown("merge.refused_same", number=source.number),
        other.number: shown("merge.refused_other_buyer", number=other.number),
        closed.number: shown("merge.refused_target_closed", number=closed.number),
        "": shown("merge.usage"),
    }
    for argument, answer in cases.items():
        await desk.agent_command("merge", argument or None, **_where(source))
        assert desk.fake.sent_to(desk.group)[-1].content == answer
    assert (await svc.tickets.get(source.number)).merged_into is None
    assert (await svc.tickets.get(source.number)).status is TicketStatus.NEW
