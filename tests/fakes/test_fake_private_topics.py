"""The fake's topics in private chats (Bot API 9.3/9.4) and people deleting topics, checked
with a real PTB Bot; as strict as Telegram: no threaded mode, no topics."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest

from tests.fakes import FakeTelegram, make_bot


async def test_get_me_reports_threaded_mode_only_when_it_is_on() -> None:
    fake = FakeTelegram()
    async with make_bot(fake) as bot:
        me = await bot.get_me()
        assert me.has_topics_enabled is False and me.allows_users_to_create_topics is False
    fake.enable_private_topics()
    async with make_bot(fake) as bot:
        me = await bot.get_me()
        assert me.has_topics_enabled is True and me.allows_users_to_create_topics is True


async def test_without_threaded_mode_a_private_chat_has_no_topics() -> None:
    fake = FakeTelegram()
    alice = fake.add_user(started=True)
    async with make_bot(fake) as bot:
        with pytest.raises(BadRequest, match="(?i)not a forum"):
            await bot.create_forum_topic(alice.id, "TS-1")
        with pytest.raises(BadRequest, match="(?i)message thread not found"):
            await bot.send_message(alice.id, "x", message_thread_id=2)


async def test_a_private_topic_takes_messages_until_the_user_deletes_it() -> None:
    fake = FakeTelegram()
    fake.enable_private_topics()
    alice = fake.add_user(started=True)
    async with make_bot(fake) as bot:
        topic = await bot.create_forum_topic(alice.id, "TS-1 · 商品质量问题")
        sent = await bot.send_message(alice.id, "hi", message_thread_id=topic.message_thread_id)
        assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
        assert sent.chat.type == "private" and not sent.chat.is_forum
        update = fake.send_text(alice, "answer", thread_id=topic.message_thread_id)
        assert update["message"]["message_thread_id"] == topic.message_thread_id
        assert update["message"]["is_topic_message"] is True
        fake.delete_topic(alice, alice, topic.message_thread_id)
        with pytest.raises(BadRequest, match="(?i)message thread not found"):
            await bot.send_message(alice.id, "x", message_thread_id=topic.message_thread_id)
        assert fake.sent_to(alice, topic.message_thread_id) == []


async def test_users_delete_topics_only_where_the_bot_lets_them() -> None:
    fake = FakeTelegram()
    fake.enable_private_topics(users_create_topics=False)
    alice = fake.add_user(started=True)
    async with make_bot(fake) as bot:
        topic = await bot.create_forum_topic(alice.id, "TS-1")
        with pytest.raises(PermissionError):
            fake.delete_topic(alice, alice, topic.message_thread_id)
        assert await bot.delete_forum_topic(alice.id, topic.message_thread_id)


async def test_only_admins_who_may_delete_messages_delete_a_forum_topic_or_a_card() -> None:
    fake = FakeTelegram()
    member, owner = fake.add_user("member"), fake.add_user("owner")
    group = fake.add_group("Agents", is_forum=True, members={member: "member", owner: "creator"})
    async with make_bot(fake) as bot:
        topic = await bot.create_forum_topic(group.id, "TS-1")
        card = await bot.send_message(group.id, "card", message_thread_id=topic.message_thread_id)
        with pytest.raises(PermissionError):
            fake.delete_topic(member, group, topic.message_thread_id)
        with pytest.raises(PermissionError):
            fake.delete_message_by(member, group, card.message_id)
        fake.delete_message_by(owner, group, card.message_id)
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("x", group.id, card.message_id)
        fake.delete_topic(owner, group, topic.message_thread_id)
        with pytest.raises(BadRequest, match="(?i)message thread not found"):
            await bot.send_message(group.id, "x", message_thread_id=topic.message_thread_id)
