"""A buyer flooding the bot is slowed down and told once; another buyer is not affected."""

from __future__ import annotations

from tests.bot.world import World


async def test_a_flood_is_limited_without_hurting_others(world: World) -> None:
    world.settings_overrides.update(flood_burst=5, flood_period_seconds=30)
    await world.restart()
    flooder, other = world.buyer("刷屏"), world.buyer("路人")
    before = len(world.fake.sent_to(flooder))
    for n in range(40):
        world.fake.send_text(flooder, f"第{n}条")
    await world.fake.wait_for_sent(flooder, before + 6, timeout=15)
    replies = await world.command(other, "help")
    assert "我能帮您做什么" in replies[-1].content
    await world.settle(quiet=0.1)
    sent = world.fake.sent_to(flooder)[before:]
    warnings = [m for m in sent if "发送得太快了" in (m.content or "")]
    assert len(warnings) == 1
    # Five handled: the first starts a complaint (1 reply), the next four are asked to answer
    # the question (2 replies each); then one warning; the other 35 are stopped.
    assert len(sent) == 1 + 4 * 2 + 1
