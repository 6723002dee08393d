import logging

from tests.bot.world import World, texts
from tests.bot.desk import Desk


def failed(world):
    return [(c.method, c.description) for c in world.fake.calls if not c.ok]


async def test_probe_empty(world: World, caplog) -> None:
    buyer = world.buyer()
    for text in ["", "   ", "\u200b\ufeff", "\u200b \u2060", "😡😡😡", "\u202eabc\u202c"]:
        replies = await world.exchange(buyer, lambda: world.fake.send_text(buyer, text), replies=0)
        await world.settle(quiet=0.5)
        print(repr(text), [m.content for m in replies])
    print(failed(world))
    print([r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR])


async def test_probe_kinds(world: World, caplog) -> None:
    buyer = world.buyer()
    for content in [{"dice": {"emoji": "🎲", "value": 3}},
                    {"video_note": {"file_id": "x", "file_unique_id": "y", "length": 240, "duration": 3}}]:
        replies = await world.exchange(buyer, lambda: world.fake._post(buyer, content), replies=0)
        await world.settle(quiet=0.5)
        print(content, [m.content for m in world.fake.sent_to(buyer)[-1:]])
    replies = await world.exchange(buyer, lambda: world.fake.send_poll(buyer, "q?", ["a", "b"]), replies=0)
    await world.settle(quiet=0.5)
    print([m.content for m in replies])
    replies = await world.exchange(buyer, lambda: world.fake.send_forwarded(buyer, "<b>转发</b>的话"), replies=0)
    await world.settle(quiet=0.5)
    print([m.content for m in replies])
    replies = await world.exchange(buyer, lambda: world.fake.send_command(buyer, "foo"), replies=0)
    await world.settle(quiet=0.5)
    print([m.content for m in replies])
    print(failed(world))
    print([r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR])


async def test_probe_group(desk: Desk, caplog) -> None:
    for cmd in ["status", "help", "start", "foo", "cancel"]:
        await desk.agent_command(cmd)
        await desk.world.settle(quiet=0.5)
        print(cmd, [m.content for m in desk.fake.sent_to(desk.group)[-1:]], len(desk.fake.sent_to(desk.buyer)))
    other = desk.fake.add_group("别的群", members=[desk.agent])
    for cmd in ["status", "note", "start"]:
        desk.fake.send_command(desk.agent, cmd, "x", chat=other)
        await desk.world.settle(quiet=0.5)
        print("unlinked", cmd, [m.content for m in desk.fake.sent_to(other)])
    print(failed(desk.world))
    print([r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR])
