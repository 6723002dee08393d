"""What the web chat cannot show: an agent's voice message or sticker reaches the web buyer
as a clear line under the team's usual header."""

from __future__ import annotations

import pytest

from tests.bot.checks import shown
from tests.web.agents import link_group
from tests.web.page import text_of
from tests.web.test_journey import file_on_the_web

SENDS = {
    "voice": (lambda fake, agent, **w: fake.send_voice(agent, **w), "kinds.web_kind_voice"),
    "sticker": (lambda fake, agent, **w: fake.send_sticker(agent, **w), "kinds.web_kind_sticker"),
}


@pytest.mark.parametrize(("send", "named"), SENDS.values(), ids=SENDS.keys())
async def test_an_agents_voice_or_sticker_is_named_to_the_web_buyer(web, send, named) -> None:
    group = await link_group(web)
    page = web.page()
    number = await file_on_the_web(page)
    person = await web.services.web.visitors.find(page.cookie)
    ticket = await group.ticket(person)
    send(web.fake, group.agent, chat=group.chat, thread_id=ticket.group_topic_id)
    await web.settle(quiet=0.1)
    line = shown("kinds.web_cannot_show", what=shown(named))
    message = await page.wait_text(line)
    assert "file" not in message
    head = shown("notify.agent_reply_file", number=number)
    assert any(text_of(m).startswith(head) for m in page.messages if m["from"] == "bot")
