"""The agents' group beside the web chat: linked, and the web buyer's ticket found in it."""

from __future__ import annotations

from dataclasses import dataclass

from tests.bot.world import texts
from tests.fakes import FakeChat, FakeUser, Msg


@dataclass
class Group:
    web: object
    chat: FakeChat
    agent: FakeUser

    @property
    def fake(self):
        return self.web.fake

    async def ticket(self, owner_id: int):
        """The buyer's ticket once the outbox has posted what it queued for the group."""
        await self.web.settle(quiet=0.1)
        return (await self.web.services.tickets.list_for_owner(owner_id))[0]

    async def thread(self, owner_id: int) -> list[Msg]:
        ticket = await self.ticket(owner_id)
        return self.fake.sent_to(self.chat, ticket.group_topic_id)

    async def agent_says(self, owner_id: int, text: str, **where) -> None:
        ticket = await self.ticket(owner_id)
        where = where or {"thread_id": ticket.group_topic_id}
        self.fake.send_text(self.agent, text, chat=self.chat, **where)
        await self.web.settle(quiet=0.1)

    async def resolve(self, owner_id: int, explanation: str) -> None:
        for label in ("✅ 受理", "🔍 开始调查", "✔️ 处理完毕"):
            await self.press(owner_id, label)
        prompt = (await self.thread(owner_id))[-1]
        await self.agent_says(owner_id, explanation, reply_to=prompt.id)

    async def press(self, owner_id: int, label: str) -> None:
        ticket = await self.ticket(owner_id)
        card = self.fake.message(self.chat, ticket.group_card_message_id)
        self.fake.press_button(self.agent, card, label, chat=self.chat)
        await self.web.settle(quiet=0.1)


async def link_group(web) -> Group:
    fake = web.fake
    agent = fake.add_user("王客服")
    supervisor = fake.add_user("主管", started=True)
    chat = fake.add_group(
        "客服中心", is_forum=True,
        members={agent: "member", supervisor: "administrator"},
    )  # fmt: skip
    web.settings_overrides["admin_ids"] = [supervisor.id]
    await web.restart()
    fake.send_command(supervisor, "link", chat=chat)
    await web.settle(quiet=0.1)
    assert "已把本群设为客服群" in texts(fake.sent_to(chat))
    return Group(web, chat, agent)
