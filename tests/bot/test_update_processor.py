"""Updates of one chat run in order; other chats are not held up."""

import asyncio

from telegram import Chat, Message, Update, User

from bot.update_processor import PerChatUpdateProcessor


def text_update(update_id: int, chat_id: int) -> Update:
    user = User(chat_id, "buyer", False)
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text="x"))


async def test_one_chat_in_order_other_chats_in_parallel() -> None:
    processor = PerChatUpdateProcessor(16)
    log: list[str] = []
    release_first = asyncio.Event()

    async def slow() -> None:
        log.append("a1 start")
        await release_first.wait()
        log.append("a1 end")

    async def record(name: str) -> None:
        log.append(name)

    first = asyncio.create_task(processor.process_update(text_update(1, 100), slow()))
    second = asyncio.create_task(processor.process_update(text_update(2, 100), record("a2")))
    other = asyncio.create_task(processor.process_update(text_update(3, 200), record("b1")))
    await other
    assert log == ["a1 start", "b1"]
    release_first.set()
    await asyncio.gather(first, second)
    assert log == ["a1 start", "b1", "a1 end", "a2"]
