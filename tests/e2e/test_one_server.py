"""Webhook and web chat both on: one server, on the webhook's port, answers for both."""

from __future__ import annotations

import asyncio

import httpx

from bot.nlu_model import free_port, is_listening
from tests.e2e.journey import next_reply
from tests.e2e.process import BotProcess
from tests.fakes.rasa import FakeRasa, serve_fake_rasa
from tests.web.page import Page

DESCRIPTION = "京东买的耳机用了一周就没声音了"


async def test_the_webhook_and_the_web_chat_answer_on_one_port(
    telegram, bot_process: BotProcess
) -> None:
    fake, _ = telegram
    buyer = fake.add_user("李雷", language_code="zh-hans", started=True)
    port, web_port = free_port(), free_port()
    bot_process.env.update(
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram", WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port), WEBHOOK_SECRET="s3cret-token", WEB_PORT=str(web_port),
    )  # fmt: skip
    rasa = FakeRasa()
    rasa.understands(DESCRIPTION, "product_quality", 0.91, platform="jd")
    async with serve_fake_rasa(rasa):
        bot_process.env["RASA_URL"] = rasa.url
        await bot_process.start(ready_method="setWebhook")
        # Telegram's updates come in through the webhook route of that port...
        question = await next_reply(fake, buyer, lambda: fake.send_text(buyer, DESCRIPTION))
        assert "商品质量问题" in question.content
        async with httpx.AsyncClient() as client:
            forged = await client.post(f"http://127.0.0.1:{port}/telegram", json={"update_id": 1})
        assert forged.status_code == 403  # the webhook's own rules still hold
        # ...and the web chat is served by the same server, WebSocket included.
        page = Page.open(f"http://127.0.0.1:{port}")
        try:
            index = await page.http.get("/")
            assert index.status_code == 200
            assert "default-src 'none'" in index.headers["content-security-policy"]
            await page.become_visitor("zh")
            await page.connect()
            await page.say(DESCRIPTION)
            reply = await page.wait_for(
                lambda: next((m for m in page.messages if m["from"] == "bot"), None),
                timeout=30, what="the web chat's answer",
            )  # fmt: skip
            assert "商品质量问题" in str(reply)
        finally:
            await page.close()
        assert not await asyncio.to_thread(is_listening, web_port)  # no second server
        await bot_process.stop()
    assert "Web chat served with the webhook" in bot_process.log()
