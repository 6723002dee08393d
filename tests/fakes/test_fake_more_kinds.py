"""The fake's other kinds of message and its reactions are as strict as the Bot API."""

from __future__ import annotations

import time

import pytest
from telegram import ReactionTypeEmoji
from telegram.error import BadRequest

from tests.fakes import FakeTelegram, make_bot


@pytest.fixture
async def tg():
    fake = FakeTelegram(max_poll_wait=2)
    async with make_bot(fake) as bot:
        yield fake, bot


async def test_a_voice_file_id_is_sent_as_voice_only(tg) -> None:
    fake, bot = tg
    alice = fake.add_user("Alice", started=True)
    voice = fake.send_voice(alice)["message"]["voice"]["file_id"]
    sent = await bot.send_voice(alice.id, voice, caption="<b>听</b>", parse_mode="HTML")
    assert (sent.voice.file_id, sent.caption) == (voice, "听")
    with pytest.raises(BadRequest, match="(?i)can't use file of type VoiceNote as Audio"):
        await bot.send_audio(alice.id, voice)


async def test_places_and_contacts_are_checked(tg) -> None:
    fake, bot = tg
    alice = fake.add_user("Alice", started=True)
    sent = await bot.send_location(alice.id, 31.23, 121.47)
    assert sent.location.latitude == pytest.approx(31.23)
    with pytest.raises(BadRequest, match="(?i)wrong latitude or longitude"):
        await bot.send_location(alice.id, 91, 0)
    venue = await bot.send_venue(alice.id, 31.2, 121.4, "菜鸟驿站", "南京路 1 号")
    assert venue.venue.title == "菜鸟驿站" and venue.location is not None
    contact = await bot.send_contact(alice.id, "+8613812345678", "快递员")
    assert contact.contact.phone_number == "+8613812345678"


async def test_reactions_only_standard_one_at_a_time_and_as_the_chat_allows(tg) -> None:
    fake, bot = tg
    alice = fake.add_user("Alice", started=True)
    message = fake.send_text(alice, "你好")["message"]["message_id"]
    assert await bot.set_message_reaction(alice.id, message, "👀")
    assert fake.reactions_on(alice, message) == ["👀"]
    with pytest.raises(BadRequest, match="(?i)reaction_invalid"):
        await bot.set_message_reaction(alice.id, message, "✅")  # not a reaction Telegram has
    with pytest.raises(BadRequest, match="(?i)reactions_too_many"):
        await bot.set_message_reaction(
            alice.id, message, [ReactionTypeEmoji("👍"), ReactionTypeEmoji("👌")]
        )
    with pytest.raises(BadRequest, match="(?i)message to react not found"):
        await bot.set_message_reaction(alice.id, 999, "👀")
    fake.restrict_reactions(alice, ["👍"])
    with pytest.raises(BadRequest, match="(?i)reaction_invalid"):
        await bot.set_message_reaction(alice.id, message, "👌")
    assert fake.reactions_on(alice, message) == ["👀"]


async def test_the_bot_edits_a_message_without_buttons_within_48_hours(tg) -> None:
    fake, bot = tg
    alice = fake.add_user("Alice", started=True)
    sent = await bot.send_message(alice.id, "旧的")
    await bot.edit_message_text("新的", alice.id, sent.message_id)
    fake.chat(alice).messages[sent.message_id]["date"] = int(time.time()) - 49 * 3600
    with pytest.raises(BadRequest, match="(?i)message can.t be edited"):
        await bot.edit_message_text("更新的", alice.id, sent.message_id)


async def test_people_send_animations_as_documents_too_and_edit_captions(tg) -> None:
    fake, bot = tg
    alice = fake.add_user("Alice", started=True)
    update = fake.send_animation(alice, caption="动图")
    assert {"animation", "document"} <= update["message"].keys()
    edited = fake.edit_caption(alice, update["message"], "改过的")
    assert edited["edited_message"]["caption"] == "改过的"
