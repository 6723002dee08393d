"""Topics: one per ticket in the buyer's private chat (where the bot has threaded mode), and a
deleted topic or card recovered, in the buyer's chat and in the agents' group; a new group."""

from __future__ import annotations

import pytest

from bot.texts import t
from tests.bot.desk import Desk, open_desk
from tests.bot.world import World, texts
from tests.fakes import FakeUser

LABELS = {
    "zh": ("商品质量问题", "淘宝", "跳过", "✅ 完成", "✅ 提交"),
    "en": ("Product quality", "Taobao", "Skip", "✅ Done", "✅ Submit"),
}
USER_LANGUAGE = {"zh": "zh-hans", "en": "en"}


async def file_in(
    world: World, buyer: FakeUser, language: str, text: str, order: str | None = None
) -> None:
    """Files a complaint the way a buyer does, pressing the buttons in their language."""
    category, platform, skip, done, submit = LABELS[language]
    if await world.services.tickets.list_for_owner(buyer.id):  # else the text joins that one
        menu = await world.command(buyer, "start")
        await world.press(buyer, menu[-1], t(language, "common.button_new_complaint"))
    replies = await world.say(buyer, text)
    replies = await world.press(buyer, replies[-1], category)
    replies = await world.press(buyer, replies[-1], platform)
    if order is not None:  # a second complaint on another order is not a duplicate
        replies = await world.say(buyer, order)
    for _ in range(3 if order is None else 2):
        replies = await world.press(buyer, replies[-1], skip)
    await world.exchange(buyer, lambda: world.fake.send_photo(buyer, caption="crack"))
    replies = await world.press(buyer, world.fake.sent_to(buyer)[-1], done)
    await world.press(buyer, replies[-1], submit)
    await world.settle(quiet=0.1)


async def topics_desk(world: World, *, dm_topics: bool, forum: bool = True) -> Desk:
    """A linked group; the bot's threaded mode on or off (read by the bot when it starts)."""
    if dm_topics:
        world.fake.enable_private_topics()
    return await open_desk(world, forum=forum)


def calls_to(world: World, method: str, user: FakeUser) -> list:
    return [c for c in world.fake.calls_of(method) if str(c.params.get("chat_id")) == str(user.id)]


def owner_of(desk: Desk) -> FakeUser:
    """The group's creator: may delete topics and messages."""
    owner = desk.fake.add_user("群主")
    desk.fake.set_member(desk.group, owner, "creator")
    return owner


async def newest_ticket(desk: Desk, owner: FakeUser):
    return (await desk.world.services.tickets.list_for_owner(owner.id))[0]


# ------------------------------------------------------------------ the buyer's own topics


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_filed_ticket_gets_its_own_topic_in_the_buyers_chat(
    world: World, language: str
) -> None:
    desk = await topics_desk(world, dm_topics=True)
    buyer = world.buyer("Lucy", USER_LANGUAGE[language])
    await file_in(world, buyer, language, "杯子碎了 & 漏水 <b>")
    ticket = await newest_ticket(desk, buyer)
    assert ticket.buyer_topic_id is not None
    topic = world.fake.chat(buyer).topics[ticket.buyer_topic_id]
    category = t(language, "category.product_quality")
    assert topic.name == f"{ticket.number} · {category}"
    intro = world.fake.sent_to(buyer, ticket.buyer_topic_id)
    assert ticket.number in intro[0].content and category in intro[0].content
    # The filing itself is answered where the buyer filed, the main thread, and first: the
    # buyer reads the number before the topic opens.
    *_, submitted, opened = world.fake.sent_to(buyer)
    assert ticket.number in submitted.content and submitted.thread_id is None
    assert opened.id == intro[0].id and len(intro) == 1

    before = len(world.fake.sent_to(buyer, ticket.buyer_topic_id))
    where = {"thread_id": (await newest_ticket(desk, buyer)).group_topic_id}
    world.fake.send_text(desk.agent, "Is the crack <i>inside</i>?", chat=desk.group, **where)
    await world.settle(quiet=0.1)
    in_topic = world.fake.sent_to(buyer, ticket.buyer_topic_id)[before:]
    assert len(in_topic) == 1 and "Is the crack <i>inside</i>?" in in_topic[0].content
    # A status change (pressed on the card) reaches the same topic.
    card = world.fake.message(desk.group, ticket.group_card_message_id)
    world.fake.press_button(desk.agent, card, "✅ 受理", chat=desk.group)
    await world.settle(quiet=0.1)
    status = t(language, "status.accepted")
    assert status in texts(world.fake.sent_to(buyer, ticket.buyer_topic_id)[before + 1 :])


async def test_without_threaded_mode_everything_stays_in_the_one_chat(world: World) -> None:
    desk = await topics_desk(world, dm_topics=False)
    ticket = await desk.ticket()
    assert ticket.buyer_topic_id is None
    assert world.fake.chat(desk.buyer).topics == {}
    await desk.agent_says("请问杯子是收到时就碎的吗?")
    answer = world.fake.sent_to(desk.buyer)[-1]
    assert "收到时就碎的吗" in answer.content and answer.thread_id is None
    private_calls = calls_to(world, "sendMessage", desk.buyer)
    assert private_calls and all("message_thread_id" not in c.params for c in private_calls)
    assert not calls_to(world, "createForumTopic", desk.buyer)


async def test_the_setting_keeps_one_thread_even_where_the_bot_has_topics(world: World) -> None:
    world.settings_overrides["buyer_topics_enabled"] = False
    desk = await topics_desk(world, dm_topics=True)
    assert (await desk.ticket()).buyer_topic_id is None
    assert world.fake.chat(desk.buyer).topics == {}


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_message_in_a_tickets_topic_joins_that_ticket_without_a_question(
    world: World, language: str
) -> None:
    desk = await topics_desk(world, dm_topics=True)
    buyer = world.buyer("Han", USER_LANGUAGE[language])
    await file_in(world, buyer, language, "杯子碎了")
    first = await newest_ticket(desk, buyer)
    await file_in(world, buyer, language, "鞋子开胶了", order="202611210001")
    second = await newest_ticket(desk, buyer)
    assert first.number != second.number and first.buyer_topic_id != second.buyer_topic_id

    before = len(world.fake.sent_to(buyer))
    world.fake.send_text(buyer, "包装也压扁了 <3", thread_id=first.buyer_topic_id)
    await world.settle(quiet=0.1)
    answers = world.fake.sent_to(buyer)[before:]
    assert answers and all(m.thread_id == first.buyer_topic_id for m in answers)
    assert first.number in texts(answers)
    assert t(language, "followup.which_ticket") not in texts(answers)
    group_thread = world.fake.sent_to(desk.group, first.group_topic_id)
    assert "包装也压扁了 <3" in texts(group_thread)
    assert "包装也压扁了" not in texts(world.fake.sent_to(desk.group, second.group_topic_id))


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_topic_the_buyer_deleted_is_made_again_for_the_next_message(
    world: World, language: str
) -> None:
    desk = await topics_desk(world, dm_topics=True)
    buyer = world.buyer("Mei", USER_LANGUAGE[language])
    await file_in(world, buyer, language, "杯子碎了")
    ticket = await newest_ticket(desk, buyer)
    world.fake.delete_topic(buyer, buyer, ticket.buyer_topic_id)
    world.fake.send_text(desk.agent, "请补充照片", chat=desk.group, thread_id=ticket.group_topic_id)
    await world.settle(quiet=0.1)
    again = await newest_ticket(desk, buyer)
    assert again.buyer_topic_id not in (None, ticket.buyer_topic_id)
    assert again.buyer_topic_id in world.fake.chat(buyer).topics
    assert "请补充照片" in texts(world.fake.sent_to(buyer, again.buyer_topic_id))


# ------------------------------------------------------------------ the agents' group


async def agents_speak(world: World, language: str) -> None:
    """The agents' language (AGENT_LANGUAGE), set after the group was linked in Chinese."""
    world.settings_overrides["agent_language"] = language
    await world.restart()


async def _deleted_topic(world: World, language: str) -> tuple[Desk, object]:
    desk = await topics_desk(world, dm_topics=False)
    await agents_speak(world, language)
    await desk.agent_says("请问杯子是收到时就碎的吗?")
    ticket = await desk.ticket()
    world.fake.delete_topic(owner_of(desk), desk.group, ticket.group_topic_id)
    return desk, ticket


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_deleted_group_topic_comes_back_with_the_buyers_next_message(
    world: World, language: str
) -> None:
    desk, old = await _deleted_topic(world, language)
    world.fake.send_text(desk.buyer, "是的,收到就碎了")
    await world.settle(quiet=0.1)
    ticket = await desk.ticket()
    assert ticket.group_topic_id not in (None, old.group_topic_id)
    posted = world.fake.sent_to(desk.group, ticket.group_topic_id)
    assert posted[0].id == ticket.group_card_message_id and ticket.number in posted[0].content
    assert t(language, "topics.recovered") == posted[1].content
    summary = posted[2].content
    assert "收到时就碎的吗" in summary and t(language, "topics.who_agent") in summary
    assert "是的,收到就碎了" in posted[-1].content  # what was addressed to it, after the summary


async def test_a_deleted_group_topic_comes_back_when_an_agent_presses_the_old_card(
    world: World,
) -> None:
    desk, old = await _deleted_topic(world, "zh")
    card = old.group_card_message_id
    data = world.fake.message(desk.group, card).button("✅ 受理")["callback_data"]
    world.fake.send_callback_query(desk.agent, card, data, chat=desk.group)
    await world.settle(quiet=0.1)
    ticket = await desk.ticket()
    assert ticket.status.value == "accepted"
    assert ticket.group_topic_id not in (None, old.group_topic_id)
    posted = world.fake.sent_to(desk.group, ticket.group_topic_id)
    assert t("zh", "status.accepted") in posted[0].content  # the card as the ticket is now
    assert t("zh", "topics.recovered") in texts(posted)
    assert "王客服" in texts(posted[2:])  # the status note, after the summary


@pytest.mark.parametrize("forum", [True, False], ids=["forum", "plain"])
async def test_a_deleted_card_is_posted_again_when_it_is_next_needed(
    world: World, forum: bool
) -> None:
    desk = await topics_desk(world, dm_topics=False, forum=forum)
    old = await desk.ticket()
    world.fake.delete_message_by(owner_of(desk), desk.group, old.group_card_message_id)
    data = world.fake.message(desk.group, old.group_card_message_id).button("✅ 受理")
    data = data["callback_data"]
    world.fake.send_callback_query(desk.agent, old.group_card_message_id, data, chat=desk.group)
    await world.settle(quiet=0.1)
    ticket = await desk.ticket()
    assert ticket.group_card_message_id != old.group_card_message_id
    assert ticket.group_topic_id == old.group_topic_id  # the topic was still there
    card = world.fake.message(desk.group, ticket.group_card_message_id)
    assert t("zh", "status.accepted") in card.content and card.buttons
    assert t("zh", "topics.recovered") in texts(world.fake.sent_to(desk.group))


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_newly_linked_group_takes_the_open_ticket_on_its_next_message(
    world: World, language: str
) -> None:
    desk = await topics_desk(world, dm_topics=False)
    await agents_speak(world, language)
    fresh = world.fake.add_group(
        "客服中心 2", is_forum=True,
        members={desk.agent: "member", desk.supervisor: "administrator"},
    )  # fmt: skip
    world.fake.send_command(desk.supervisor, "link", chat=fresh)
    await world.settle(quiet=0.1)
    world.fake.send_text(desk.buyer, "还没有人处理吗?")
    await world.settle(quiet=0.1)
    ticket = await desk.ticket()
    assert ticket.group_chat_id == fresh.id and ticket.group_topic_id is not None
    posted = world.fake.sent_to(fresh, ticket.group_topic_id)
    assert posted[0].id == ticket.group_card_message_id
    assert t(language, "topics.moved") == posted[1].content
    assert "还没有人处理吗" in posted[-1].content
    assert "还没有人处理吗" not in texts(world.fake.sent_to(desk.group))
    # An agent answers in the new topic and the buyer gets it.
    before = len(world.fake.sent_to(desk.buyer))
    world.fake.send_text(desk.agent, "马上处理", chat=fresh, thread_id=ticket.group_topic_id)
    await world.settle(quiet=0.1)
    assert "马上处理" in texts(world.fake.sent_to(desk.buyer)[before:])
