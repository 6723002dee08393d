"""The agents' group of the bot tests: a buyer, two agents and a supervisor."""

from __future__ import annotations

from dataclasses import dataclass

from tests.bot.world import World, texts
from tests.fakes import FakeChat, FakeUser, Msg


@dataclass
class Desk:
    world: World
    group: FakeChat
    buyer: FakeUser
    agent: FakeUser
    colleague: FakeUser
    supervisor: FakeUser

    @property
    def fake(self):
        return self.world.fake

    async def ticket(self):
        return (await self.world.services.tickets.list_for_owner(self.buyer.id))[0]

    async def card(self) -> Msg:
        ticket = await self.ticket()
        return self.fake.message(self.group, ticket.group_card_message_id)

    async def thread(self) -> list[Msg]:
        """What the bot posted about the ticket: its topic, or replies to its card."""
        ticket = await self.ticket()
        if ticket.group_topic_id is not None:
            return self.fake.sent_to(self.group, ticket.group_topic_id)
        card = ticket.group_card_message_id
        return [m for m in self.fake.sent_to(self.group) if m.reply_to_id == card or m.id == card]

    async def where(self) -> dict:
        """How an agent writes about the ticket: in its topic, or replying to its card."""
        ticket = await self.ticket()
        if ticket.group_topic_id is not None:
            return {"thread_id": ticket.group_topic_id}
        return {"reply_to": ticket.group_card_message_id}

    async def agent_says(self, text: str, agent: FakeUser | None = None, **where) -> None:
        where = where or await self.where()
        self.fake.send_text(agent or self.agent, text, chat=self.group, **where)
        await self.world.settle(quiet=0.1)

    async def agent_command(self, command: str, args: str | None = None, **where) -> None:
        where = where or await self.where()
        self.fake.send_command(self.agent, command, args, chat=self.group, **where)
        await self.world.settle(quiet=0.1)

    async def press(self, label: str, agent: FakeUser | None = None) -> None:
        self.fake.press_button(agent or self.agent, await self.card(), label, chat=self.group)
        await self.world.settle(quiet=0.1)


async def file_complaint(
    world: World, buyer: FakeUser, text: str = "<b>杯子</b>碎了 & 漏水"
) -> None:
    replies = await world.say(buyer, text)
    replies = await world.press(buyer, replies[-1], "商品质量问题")
    replies = await world.press(buyer, replies[-1], "淘宝")
    for _ in range(3):
        replies = await world.press(buyer, replies[-1], "跳过")
    await world.exchange(buyer, lambda: world.fake.send_photo(buyer, caption="裂缝"))
    replies = await world.press(buyer, world.fake.sent_to(buyer)[-1], "✅ 完成")
    await world.press(buyer, replies[-1], "✅ 提交")
    await world.settle(quiet=0.1)


async def open_desk(world: World, forum: bool) -> Desk:
    fake = world.fake
    agent, colleague = fake.add_user("王客服"), fake.add_user("赵客服")
    supervisor = fake.add_user("主管", started=True)
    group = fake.add_group(
        "客服中心",
        is_forum=forum,
        members={agent: "member", colleague: "member", supervisor: "administrator"},
    )
    world.settings_overrides["admin_ids"] = [supervisor.id]
    await world.restart()
    fake.send_command(supervisor, "link", chat=group)
    await world.settle(quiet=0.1)
    linked = texts(fake.sent_to(group))
    assert "已把本群设为客服群" in linked and "权限检查通过" in linked
    buyer = world.buyer()
    await file_complaint(world, buyer)
    return Desk(world, group, buyer, agent, colleague, supervisor)
