"""Every kind of message, through the fake Bot API: voice, audio, video notes and animations
as evidence and relayed both ways; stickers, places and contacts for an open ticket; the
receipts (👀 when the agents have it, 👌 when the buyer has it), in Chinese and in English."""

from __future__ import annotations

import logging

import pytest

from bot.agents.receipts import REACHED_BUYER, SEEN_BY_AGENTS
from storage.models import AttachmentKind
from tests.bot.checks import nothing_broke, shown
from tests.bot.desk import Desk
from tests.bot.world import World

PHONE = "+8613812345678"
FROM_BUYER = {  # how the buyer sends it, and the kind Telegram shows in the topic
    "voice": (lambda f, b, **w: f.send_voice(b, **w), "voice"),
    "audio": (lambda f, b, **w: f.send_audio(b, caption="录音 <1>", **w), "audio"),
    "video-note": (lambda f, b, **w: f.send_video_note(b, **w), "video_note"),
    "animation": (lambda f, b, **w: f.send_animation(b, **w), "animation"),
    "sticker": (lambda f, b, **w: f.send_sticker(b, "😡", **w), "sticker"),
    "location": (lambda f, b, **w: f.send_location(b, 31.2304, 121.4737, **w), "location"),
    "venue": (
        lambda f, b, **w: f.send_venue(b, 31.23, 121.47, "菜鸟驿站", "南京路 1 号", **w),
        "venue",
    ),  # fmt: skip
    "contact": (lambda f, b, **w: f.send_contact(b, PHONE, "快递员", **w), "contact"),
}


async def _as_buyer_language(desk: Desk, language: str) -> None:
    await desk.world.services.people.set_language(desk.buyer.id, language)


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_voice_message_instead_of_a_description_is_kept_and_text_asked_for(
    world: World, caplog, language: str
) -> None:
    buyer = world.buyer("Anna" if language == "en" else "李雷", language)
    menu = await world.command(buyer, "start")
    await world.press(buyer, menu[-1], "📝 新投诉" if language == "zh" else "📝 New complaint")
    replies = await world.exchange(buyer, lambda: world.fake.send_voice(buyer, duration=12))
    assert [m.content for m in replies] == [shown("kinds.spoken_kept", language)]
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.step.value == "describe"
    assert [item.kind for item in prompt.draft.evidence] == [AttachmentKind.VOICE]
    replies = await world.say(buyer, "杯子碎了,要求退款" if language == "zh" else "cup broken")
    assert (await world.services.intake.current(buyer.id)).step.value != "describe"
    nothing_broke(world, caplog)


async def test_a_voice_message_with_nothing_in_progress_starts_a_complaint(
    world: World, caplog
) -> None:
    buyer = world.buyer()
    replies = await world.exchange(buyer, lambda: world.fake.send_voice(buyer))
    assert [m.content for m in replies] == [shown("kinds.spoken_kept")]
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.step.value == "describe" and len(prompt.draft.evidence) == 1
    nothing_broke(world, caplog)


@pytest.mark.parametrize("send", [FROM_BUYER["sticker"][0], FROM_BUYER["contact"][0]],
                         ids=["sticker", "contact"])  # fmt: skip
async def test_a_sticker_or_contact_without_an_open_ticket_gets_the_kind_answer(
    world: World, caplog, send
) -> None:
    buyer = world.buyer()
    replies = await world.exchange(buyer, lambda: send(world.fake, buyer))
    assert [m.content for m in replies] == [shown("common.unsupported_message")]
    nothing_broke(world, caplog)


@pytest.mark.parametrize(("send", "kind"), FROM_BUYER.values(), ids=FROM_BUYER.keys())
async def test_each_kind_from_the_buyer_reaches_the_topic_with_a_receipt(
    desk: Desk, caplog, send, kind: str
) -> None:
    caplog.set_level(logging.INFO)
    before = len(await desk.thread())
    update = send(desk.fake, desk.buyer)
    await desk.world.settle()
    sent = desk.fake.sent_to(desk.buyer)[-1]
    assert "TS-" in sent.content  # told which ticket it went to
    new = (await desk.thread())[before:]
    assert [m.content for m in new][0].startswith(shown("agent.buyer_says"))
    assert kind in new[-1]  # shown as Telegram shows it: a voice, a sticker, a contact...
    if kind == "contact":
        assert new[-1]["contact"]["phone_number"] == PHONE  # as Telegram shows it
    message_id = update["message"]["message_id"]
    assert desk.fake.reactions_on(desk.buyer, message_id) == [SEEN_BY_AGENTS.value]
    assert PHONE not in "\n".join(r.getMessage() for r in caplog.records)
    nothing_broke(desk.world, caplog)


async def test_a_voice_message_over_20_mb_is_relayed_and_the_buyer_told(desk: Desk, caplog) -> None:
    desk.fake.send_big_voice(desk.buyer, file_size=25 * 2**20)
    await desk.world.settle()
    told = [m.content for m in desk.fake.sent_to(desk.buyer)[-2:]]
    assert told[-1] == shown("kinds.too_big_relayed", max_mb=20)
    assert (await desk.thread())[-1].kind == "voice"
    nothing_broke(desk.world, caplog, "file is too big")


FROM_AGENT = {
    "voice": lambda f, a, **w: f.send_voice(a, caption="请听", **w),
    "audio": lambda f, a, **w: f.send_audio(a, **w),
    "video-note": lambda f, a, **w: f.send_video_note(a, **w),
    "animation": lambda f, a, **w: f.send_animation(a, caption="这样操作", **w),
    "sticker": lambda f, a, **w: f.send_sticker(a, "👍", **w),
    "location": lambda f, a, **w: f.send_location(a, 39.9, 116.4, **w),
}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", FROM_AGENT.keys())
async def test_each_kind_from_an_agent_reaches_the_buyer_with_a_receipt(
    desk: Desk, caplog, kind: str, language: str
) -> None:
    await _as_buyer_language(desk, language)
    before = len(desk.fake.sent_to(desk.buyer))
    update = FROM_AGENT[kind](desk.fake, desk.agent, chat=desk.group, **await desk.where())
    await desk.world.settle()
    got = desk.fake.sent_to(desk.buyer)[before:]
    number = (await desk.ticket()).number
    head = shown("notify.agent_reply_file", language, number=number)
    assert got[0].content.startswith(head)
    assert kind.replace("-", "_") in got[-1]
    message_id = update["message"]["message_id"]
    assert desk.fake.reactions_on(desk.group, message_id) == [REACHED_BUYER.value]
    nothing_broke(desk.world, caplog)


async def test_a_failed_delivery_keeps_its_notice_and_gets_no_receipt(desk: Desk, caplog) -> None:
    desk.fake.block_bot(desk.buyer)
    where = await desk.where()
    update = desk.fake.send_text(desk.agent, "请补充照片", chat=desk.group, **where)
    await desk.world.settle()
    notice = shown("agent.delivered_failed", reason=shown("agent.reason_blocked"))
    assert (await desk.thread())[-1].content == notice
    assert desk.fake.reactions_on(desk.group, update["message"]["message_id"]) == []
    nothing_broke(desk.world, caplog, "blocked")


async def test_a_group_that_restricts_reactions_still_gets_the_answer_delivered(
    desk: Desk, caplog
) -> None:
    caplog.set_level(logging.INFO)
    desk.fake.restrict_reactions(desk.group, ["👍"])
    before = len(desk.fake.sent_to(desk.buyer))
    update = desk.fake.send_text(desk.agent, "已联系商家", chat=desk.group, **await desk.where())
    await desk.world.settle()
    assert "已联系商家" in desk.fake.sent_to(desk.buyer)[before].content
    assert desk.fake.reactions_on(desk.group, update["message"]["message_id"]) == []
    assert "reaction_invalid" in caplog.text.lower()
    failed = shown("agent.delivered_failed", reason=shown("agent.reason_other"))
    assert failed not in [m.content for m in await desk.thread()]
    nothing_broke(desk.world, caplog, "REACTION_INVALID")
