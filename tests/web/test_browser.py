"""The web chat in a real browser (Chromium, headless): the whole journey a person makes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.web.agents import link_group
from tests.web.browser import ARGS, chromium_path
from tests.web.files import png

PROJECT = Path(__file__).resolve().parents[2]
PHONE = {"width": 400, "height": 820}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()  # fails, never skips, without a browser
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def button(page: Page, name: str):
    return page.get_by_role("button", name=name, exact=True).last


async def test_the_whole_journey_in_a_browser(web, browser: Browser) -> None:
    group = await link_group(web)
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = await context.new_page()
    await page.goto(web.base + "/")
    await expect(page.get_by_text("请直接写下您遇到的问题")).to_be_visible()

    # The first message creates the visitor and shows the resume link once.
    await page.get_by_role("textbox").fill("我买的杯子碎了 <img src=x onerror=alert(1)>")
    await button(page, "发送").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    link = await dialog.get_by_role("textbox").input_value()
    assert "#resume=" in link
    await dialog.get_by_role("button", name="我已保存").click()
    await expect(page.locator(".msg.me").first).to_have_text(
        "我买的杯子碎了 <img src=x onerror=alert(1)>"
    )  # shown as text, not as an image
    assert await page.locator(".msg img").count() == 0

    # The intake by buttons, with a photo.
    await button(page, "商品质量问题").click()
    await button(page, "淘宝").click()
    for question in ("订单号", "店铺", "希望"):
        await expect(page.locator(".msg.bot").last).to_contain_text(question)
        await button(page, "跳过").click()
    await expect(page.locator(".msg.bot").last).to_contain_text("证据")
    await page.set_input_files(
        "#files", files=[{"name": "crack.png", "mimeType": "image/png", "buffer": png(320, 240)}]
    )
    await expect(page.locator(".msg.bot").last).to_contain_text("已收到 1")
    await expect(page.locator(".msg.me img")).to_be_visible()
    await button(page, "✅ 完成").click()
    await button(page, "✅ 提交").click()
    filed = page.locator(".msg.bot", has_text="已提交")
    await expect(filed).to_be_visible()
    number = re.search(r"TS-\d{8}-\d{4}", await filed.inner_text()).group(0)
    person = await web.services.web.visitors.find(
        next(c["value"] for c in await context.cookies() if c["name"] == "cd_visitor")
    )

    # An agent's answer from the group arrives live.
    await group.agent_says(person, "您好,请问杯子是收货时就碎了吗?")
    await expect(page.get_by_text("收货时就碎了吗")).to_be_visible()
    await page.screenshot(path=str(PROJECT / "docs" / "webchat.png"))

    # A reload keeps the conversation.
    await page.reload()
    await expect(page.get_by_text("收货时就碎了吗")).to_be_visible()
    await expect(page.locator(".msg.bot", has_text="已提交")).to_be_visible()

    # The resume link in a fresh browser (no cookie): the same conversation.
    other = await browser.new_context(viewport=PHONE, locale="en-US")
    elsewhere = await other.new_page()
    await elsewhere.goto(link)
    await expect(elsewhere.get_by_text("收货时就碎了吗")).to_be_visible()
    assert "#resume=" not in elsewhere.url  # the secret leaves the address bar
    cookie = next(c for c in await other.cookies() if c["name"] == "cd_visitor")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    await other.close()

    # Status by a plain message.
    await page.get_by_role("textbox").fill(number)
    await button(page, "发送").click()
    await expect(page.locator(".msg.bot").last).to_contain_text("状态")

    # The decision, then the rating buttons.
    await group.resolve(person, "商家已同意全额退款。")
    await expect(page.locator(".msg.bot", has_text="商家已同意全额退款")).to_be_visible()
    await button(page, "⭐⭐⭐⭐⭐").click()
    await expect(page.get_by_text("谢谢您的评价")).to_be_visible()
    ticket = await group.ticket(person)
    assert ticket.status.value == "closed"

    # The language switch.
    await button(page, "English").click()
    await expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    await expect(page.locator(".msg.bot").last).to_contain_text("English")
    await button(page, "中文").click()
    await expect(page.get_by_role("button", name="发送", exact=True)).to_be_visible()

    await context.close()


async def test_the_page_speaks_english_to_an_english_browser(web, browser: Browser) -> None:
    context = await browser.new_context(viewport=PHONE, locale="en-US")
    page = await context.new_page()
    await page.goto(web.base + "/")
    await expect(page.get_by_text("Just write what went wrong")).to_be_visible()
    await page.get_by_role("textbox").fill("hello")
    await button(page, "Send").click()
    await expect(page.get_by_role("dialog")).to_contain_text("Keep your private link")
    await context.close()


async def test_the_widget_opens_the_chat_in_a_panel(web, browser: Browser) -> None:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from bot.channels.web.server import WebServer

    async def shop_page(request):
        script = request.query_params["desk"] + "/widget.js"
        return HTMLResponse(f'<html><body><h1>小店</h1><script src="{script}"></script></body>')

    shop = WebServer(Starlette(routes=[Route("/", shop_page)]), "127.0.0.1", 0,
                     max_frame_bytes=1024)  # fmt: skip
    await shop.start()  # a shop's own site: another origin than the desk's
    try:
        shop_origin = f"http://127.0.0.1:{shop.port}"
        web.settings_overrides["web_allowed_origins"] = [shop_origin]
        await web.restart()
        context = await browser.new_context(viewport=PHONE, locale="zh-CN")
        page = await context.new_page()
        await page.goto(f"{shop_origin}/?desk={web.base}")
        await page.get_by_role("button", name="💬 投诉").click()
        chat = page.frame_locator("iframe")
        await expect(chat.get_by_text("请直接写下您遇到的问题")).to_be_visible()
        await context.close()
    finally:
        await shop.stop()
