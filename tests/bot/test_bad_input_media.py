"""Bad input from a buyer, sent: files the bot cannot keep, kinds it cannot read, a flood."""

from __future__ import annotations

import pytest

from tests.bot.checks import nothing_broke, shown, still_serves, walk_to
from tests.bot.world import World
from tests.fakes.telegram_state import media_json
from tests.fakes.telegram_updates_media import FAKE_MP4

ORDER = "4012345678901234567"
CAPTION = ("<b>裂缝</i> & <a href='javascript:x'>" * 40)[:1024]


def post(world: World, buyer, content: dict) -> dict:
    """A message of a kind the fake has no action for (dice, video note, a bare document)."""
    return world.fake._post(buyer, content)


def bare_document(world: World, buyer) -> dict:
    stored = world.fake.register_file(b"\x00\x01 no type", "document", file_name="证据")
    return post(world, buyer, {"document": media_json(stored)})  # no mime_type in it


def video_note(world: World, buyer) -> dict:
    stored = world.fake.register_file(FAKE_MP4, "video_note", duration=3)
    return post(world, buyer, {"video_note": {**media_json(stored), "length": 240}})


EXE = b"MZ\x90\x00\x03"
UNSUPPORTED_FILES = {  # how it is sent, and how the refusal names its type
    "exe-by-name": (lambda w, b: w.fake.send_document(b, EXE, file_name="发票.exe"), ".exe"),
    "msdownload-mime": (
        lambda w, b: w.fake.send_document(
            b, EXE, file_name="发票", mime_type="application/x-msdownload"
        ),
        "application/x-msdownload",
    ),
    "no-mime-type": (bare_document, "文件"),
}


@pytest.mark.parametrize(
    ("send", "named"), UNSUPPORTED_FILES.values(), ids=UNSUPPORTED_FILES.keys()
)
async def test_a_file_of_an_unsupported_type_is_refused(world: World, caplog, send, named) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "evidence")
    replies = await world.exchange(buyer, lambda: send(world, buyer))
    refusal = shown("intake.evidence_unsupported", kind=named, max_files=10, max_mb=20)
    assert [m.content for m in replies] == [refusal]
    assert (await world.services.intake.current(buyer.id)).draft.evidence == []
    nothing_broke(world, caplog)
    replies = await world.exchange(buyer, lambda: world.fake.send_document(buyer))
    assert replies[-1].content == shown("intake.evidence_received", count=1, max_files=10)


async def test_a_50_mb_video_is_refused_and_earlier_files_stay(world: World, caplog) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "evidence")
    await world.exchange(buyer, lambda: world.fake.send_photo(buyer))
    big = lambda: world.fake.send_video(buyer, file_size=50 * 2**20)  # noqa: E731
    replies = await world.exchange(buyer, big)
    assert [m.content for m in replies] == [shown("intake.evidence_too_big", max_mb=20)]
    assert len((await world.services.intake.current(buyer.id)).draft.evidence) == 1
    nothing_broke(world, caplog)
    replies = await world.exchange(buyer, lambda: world.fake.send_video(buyer))
    assert replies[-1].content == shown("intake.evidence_received", count=2, max_files=10)


async def test_an_11th_file_is_refused_and_the_ten_stay(world: World, caplog) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "evidence")
    await world.exchange(buyer, lambda: world.fake.send_album(buyer, ["photo"] * 10))
    replies = await world.exchange(buyer, lambda: world.fake.send_document(buyer))
    assert [m.content for m in replies] == [shown("intake.evidence_too_many", max_files=10)]
    assert len((await world.services.intake.current(buyer.id)).draft.evidence) == 10
    nothing_broke(world, caplog)
    replies = await world.press(buyer, world.fake.sent_to(buyer)[-2], "✅ 完成")
    assert "10 个文件" in replies[-1].content and replies[-1].button("✅ 提交")


KINDS = {
    "sticker": lambda w, b: w.fake.send_sticker(b),
    "location": lambda w, b: w.fake.send_location(b, 31.23, 121.47),
    "contact": lambda w, b: w.fake.send_contact(b, "+8613812345678", "快递员"),
    "poll": lambda w, b: w.fake.send_poll(b, "退不退款?", ["退", "不退"]),
    "dice": lambda w, b: post(w, b, {"dice": {"emoji": "🎲", "value": 6}}),
}


@pytest.mark.parametrize("send", KINDS.values(), ids=KINDS.keys())
async def test_a_kind_the_bot_cannot_read_is_answered_and_the_intake_waits(
    world: World, caplog, send
) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "order")
    replies = await world.exchange(buyer, lambda: send(world, buyer))
    assert [m.content for m in replies] == [shown("common.unsupported_message")]
    nothing_broke(world, caplog)
    replies = await world.say(buyer, ORDER)
    assert replies[-1].content == shown("intake.ask_shop")


@pytest.mark.parametrize(
    "send", [lambda w, b: w.fake.send_voice(b), video_note], ids=["voice", "video-note"]
)
async def test_a_voice_message_for_a_typed_answer_asks_for_text(world: World, caplog, send):
    buyer = world.buyer()
    await walk_to(world, buyer, "order")
    replies = await world.exchange(buyer, lambda: send(world, buyer), replies=2)
    assert replies[0].content == shown("intake.send_text_please")
    assert (await world.services.intake.current(buyer.id)).draft.evidence == []
    nothing_broke(world, caplog)
    replies = await world.say(buyer, ORDER)
    assert replies[-1].content == shown("intake.ask_shop")


async def test_an_edited_message_changes_nothing_received(world: World, caplog) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "order")
    typed = world.fake.send_text(buyer, "12345")["message"]
    await world.fake.wait_for_sent(buyer, len(world.fake.sent_to(buyer)) + 2)
    replies = await world.exchange(buyer, lambda: world.fake.edit_text(buyer, typed, ORDER))
    assert [m.content for m in replies] == [shown("common.edited_message")]
    prompt = await world.services.intake.current(buyer.id)
    assert prompt.step.value == "order" and prompt.draft.order_number is None
    nothing_broke(world, caplog)
    replies = await world.say(buyer, ORDER)
    assert replies[-1].content == shown("intake.ask_shop")


@pytest.mark.parametrize(
    ("caption", "stored"),
    [("", None), ("   ", "   "), (CAPTION, CAPTION)],
    ids=["empty-caption", "blank-caption", "1024-characters-of-html"],
)
async def test_a_photo_caption_is_kept_as_sent(world: World, caplog, caption, stored) -> None:
    buyer = world.buyer()
    await walk_to(world, buyer, "evidence")
    replies = await world.exchange(buyer, lambda: world.fake.send_photo(buyer, caption=caption))
    assert [m.content for m in replies] == [
        shown("intake.evidence_received", count=1, max_files=10)
    ]
    [item] = (await world.services.intake.current(buyer.id)).draft.evidence
    assert item.caption == stored
    nothing_broke(world, caplog)
    replies = await world.press(buyer, replies[-1], "✅ 完成")
    assert "1 个文件" in replies[-1].content


async def test_a_flood_is_cut_short_while_another_buyer_is_served(world: World, caplog) -> None:
    world.settings_overrides.update(flood_burst=5, flood_period_seconds=600)
    await world.restart()
    flooder, other = world.buyer("刷屏"), world.buyer("路人")
    for n in range(300):
        world.fake.send_text(flooder, f"第{n}条")
    replies = await world.say(other, "店家发了假货")
    assert replies[-1].content == shown("intake.low_confidence")
    await world.settle(quiet=0.3)
    sent = [m.content for m in world.fake.sent_to(flooder)]
    assert sent.count(shown("common.slow_down")) == 1
    assert len(sent) == 1 + 4 * 2 + 1  # five handled (see test_flood), one warning, no more
    prompt = await world.services.intake.current(flooder.id)
    assert prompt.draft.description == "\n".join(f"第{n}条" for n in range(5))  # five handled
    nothing_broke(world, caplog)
    await still_serves(world, other)
