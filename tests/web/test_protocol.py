"""Bad input over the web chat's WebSocket and upload endpoint gets a clear refusal, and the
chat goes on working afterwards."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.exceptions import InvalidStatus

from tests.web.files import jpeg_header, pdf, png
from tests.web.page import Page, text_of

EVIL = "https://evil.example"


async def ready(page: Page) -> None:
    await page.wait_for(lambda: any(f["t"] == "ready" for f in page.frames), what="ready")


async def visitor(web) -> Page:
    page = web.page()
    await page.become_visitor()
    await page.connect()
    await ready(page)
    return page


async def test_a_websocket_from_another_origin_is_refused_at_the_handshake(web) -> None:
    page = web.page()
    await page.become_visitor()
    page.origin = EVIL
    with pytest.raises(InvalidStatus) as refused:
        await page.connect()
    assert refused.value.response.status_code == 403


async def test_a_websocket_without_origin_is_refused(web) -> None:
    page = web.page()
    await page.become_visitor()
    page.origin = None  # websockets sends no Origin header then
    with pytest.raises(InvalidStatus):
        await page.connect()


async def test_another_origin_cannot_create_a_visitor_or_upload(web) -> None:
    page = web.page(origin=EVIL)
    answer = await page.http.post("/api/visitor", json={"lang": "en"})
    assert answer.status_code == 403 and "may not use" not in answer.text  # zh by default
    assert "无权" in answer.json()["error"]
    assert "cd_visitor" not in answer.cookies
    good = await visitor(web)
    good.http.headers["Origin"] = EVIL
    upload = await good.upload(png(), "a.png")
    assert upload.status_code == 403


@pytest.mark.parametrize("cookie", [None, "forged-secret", "x" * 500])
async def test_an_unknown_or_forged_secret_opens_nothing(web, cookie) -> None:
    page = web.page()
    if cookie:
        page.http.cookies.set("cd_visitor", cookie)
    await page.connect()
    await page.wait_for(lambda: page.closed.is_set(), what="the close")
    assert page.close_code == 4401
    assert page.messages == []
    upload = await page.upload(png(), "a.png")
    assert upload.status_code == 403


async def test_a_revoked_link_and_cookie_open_nothing_and_the_new_one_works(web) -> None:
    page = web.page()
    old_link = await page.become_visitor()
    old_secret = page.cookie
    await page.connect()
    await ready(page)
    await page.say("你好")
    await page.wait_for(lambda: [m for m in page.messages if m["from"] == "bot"], what="a reply")
    revoked = await page.http.post("/api/revoke")
    assert revoked.status_code == 200
    new_link = revoked.json()["resume_url"]
    assert new_link != old_link and page.cookie != old_secret

    thief = web.page()
    thief.http.cookies.set("cd_visitor", old_secret)
    await thief.connect()
    await thief.wait_for(lambda: thief.closed.is_set(), what="the close")
    assert thief.close_code == 4401 and thief.messages == []
    secret_of = lambda link: link.split("#resume=")[1]  # noqa: E731
    refused = await thief.http.post("/api/resume", json={"secret": secret_of(old_link)})
    assert refused.status_code == 403

    friend = web.page()
    resumed = await friend.http.post("/api/resume", json={"secret": secret_of(new_link)})
    assert resumed.status_code == 200
    await friend.connect(after=0)
    await friend.wait_text("")  # the whole conversation comes back
    assert [text_of(m) for m in friend.messages][0] == "你好"


async def test_the_secret_is_stored_only_as_a_hash(web) -> None:
    from sqlalchemy import select

    from storage.db import transaction
    from storage.models import WebVisitor

    page = web.page()
    link = await page.become_visitor()
    secret = link.split("#resume=")[1]
    assert len(secret) >= 40  # 256 bits, URL-safe
    async with transaction(web.services.sessions, read_only=True) as session:
        stored = list(await session.scalars(select(WebVisitor)))
    assert len(stored) == 1 and secret not in stored[0].secret_hash
    import hashlib

    assert stored[0].secret_hash == hashlib.sha256(secret.encode()).hexdigest()


async def test_malformed_frames_get_a_kind_error_and_the_chat_goes_on(web) -> None:
    page = await visitor(web)
    for bad in ["{not json", "[]", json.dumps({"t": 5}), json.dumps({"t": "text", "text": "x"}),
                json.dumps({"t": "teleport", "id": "a1"}), json.dumps({"t": "lang", "id": "a2",
                                                                       "lang": "fr"})]:  # fmt: skip
        before = len([f for f in page.frames if f["t"] == "error"])
        await page.send(bad)
        await page.wait_for(
            lambda b=before: len([f for f in page.frames if f["t"] == "error"]) > b,
            what=f"an error for {bad!r}",
        )
    errors = [f["text"] for f in page.frames if f["t"] == "error"]
    assert all("无法读取" in text for text in errors)
    await page.say("你好")
    await page.wait_for(lambda: [m for m in page.messages if m["from"] == "bot"], what="a reply")


async def test_a_stale_or_forged_button_gets_a_notice(web) -> None:
    page = await visitor(web)
    await page.send({"t": "button", "id": "b1", "data": "cat|product_quality|nosuchtoken"})
    notice = await page.wait_for(
        lambda: next((f for f in page.frames if f["t"] == "notice"), None), what="a notice"
    )
    assert "过期" in notice["text"] or "失效" in notice["text"]
    await page.send({"t": "button", "id": "b2", "data": "x" * 65})
    await page.wait_for(lambda: any(f["t"] == "error" for f in page.frames), what="an error")


async def test_an_oversized_frame_closes_the_line_and_a_long_text_is_refused(web) -> None:
    page = await visitor(web)
    await page.say("长" * 4001)  # fits in a frame, too long for a message
    error = await page.wait_for(
        lambda: next((f for f in page.frames if f["t"] == "error"), None), what="an error"
    )
    assert "4000" in error["text"]
    await page.send(json.dumps({"t": "text", "id": "big", "text": "x" * 20000}))
    await page.wait_for(lambda: page.closed.is_set(), what="the close")
    assert page.close_code == 1009  # message too big
    await page.connect()  # the visitor comes back at once, nothing of theirs lost
    await ready(page)


async def test_a_message_sent_twice_after_a_reconnect_is_handled_once(web) -> None:
    page = await visitor(web)
    await page.send({"t": "text", "id": "same-id", "text": "我买的杯子碎了"})
    await page.wait_for(lambda: any(f["t"] == "got" for f in page.frames), what="got")
    await page.disconnect()
    await page.connect()
    await ready(page)
    await page.send({"t": "text", "id": "same-id", "text": "我买的杯子碎了"})
    await page.wait_for(
        lambda: len([f for f in page.frames if f["t"] == "got"]) == 2, what="second got"
    )
    mine = [m for m in page.messages if m["from"] == "me"]
    assert len(mine) == 1


async def test_a_reconnect_gets_exactly_what_was_missed(web) -> None:
    page = await visitor(web)
    await page.say("你好")
    await page.wait_for(lambda: [m for m in page.messages if m["from"] == "bot"], what="reply")
    assert [m["from"] for m in page.messages].count("me") == 1  # shown once, taken once
    seen = page.last_seq
    await page.disconnect()
    person = await web.services.web.visitors.find(page.cookie)
    from bot.views.reply import Reply

    await web.services.buyers.send(person, Reply("<b>客服</b>: 您好 &lt;script&gt;"))
    page.frames.clear()
    await page.connect(after=seen)
    missed = await page.wait_text("您好")
    assert [m["seq"] for m in page.messages] == [seen + 1]
    assert missed["unread"] is True
    assert missed["parts"][0] == {"text": "客服", "style": ["b"]}
    assert text_of(missed).endswith("<script>")  # shown as text by the page, never as markup


async def test_oversized_upload_is_refused_before_the_body_is_read(web) -> None:
    page = await visitor(web)
    host, port = "127.0.0.1", web.app.bot_data.web_server.port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        (
            f"POST /api/upload?id=u1&name=big.mp4 HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Origin: {page.base}\r\nCookie: cd_visitor={page.cookie}\r\n"
            "Content-Type: video/mp4\r\nContent-Length: 999999999\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)  # no body was sent
    writer.close()
    assert head.startswith(b"HTTP/1.1 413")


async def test_an_upload_larger_than_it_said_is_cut_off(web) -> None:
    page = await visitor(web)
    big = png() + b"\x00" * (20 * 2**20)
    answer = await page.upload(big, "photo.png")
    assert answer.status_code == 413 and "20 MB" in answer.json()["error"]


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (pdf(), "photo.jpg", "不符"),  # a PDF named as a picture
        (jpeg_header(), "contract.pdf", "不符"),  # a picture named as a PDF
        (b"#!/bin/sh\nrm -rf /\n", "photo.jpg", "只能接收"),  # not a file we take at all
        (b"MZ\x90\x00" + b"\x00" * 60, "invoice.pdf", "只能接收"),  # a Windows program
        (b"", "empty.png", "空"),
    ],
)
async def test_a_file_is_checked_by_its_content(web, content, name, reason) -> None:
    page = await visitor(web)
    answer = await page.upload(content, name)
    assert answer.status_code in (415, 400) and reason in answer.json()["error"]
    assert not [m for m in page.messages if m.get("file")]


async def test_a_visitor_cannot_read_another_visitors_file(web) -> None:
    owner = await visitor(web)
    await owner.say("我买的杯子碎了")
    await owner.wait_for(lambda: [m for m in owner.messages if m["from"] == "bot"], what="reply")
    assert (await owner.upload(png(), "crack.png")).status_code == 200
    shown = await owner.wait_for(
        lambda: next((m for m in owner.messages if m.get("file")), None), what="the file"
    )
    url = f"/files/{shown['file']['digest']}"
    mine = await owner.http.get(url)
    assert mine.status_code == 200 and mine.headers["content-type"] == "image/png"
    other = await visitor(web)
    assert (await other.http.get(url)).status_code == 404
    stranger = web.page()
    assert (await stranger.http.get(url)).status_code == 404


async def test_pages_carry_a_strict_policy_and_the_cookie_is_httponly(web) -> None:
    page = web.page()
    index = await page.http.get("/")
    assert index.status_code == 200
    policy = index.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert index.headers["x-content-type-options"] == "nosniff"
    assert index.headers["referrer-policy"] == "no-referrer"
    answer = await page.http.post("/api/visitor", json={"lang": "zh"})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    widget = await page.http.get("/widget.js")
    assert widget.status_code == 200 and "iframe" in widget.text
    assert widget.headers["content-type"].startswith("text/javascript")


async def test_the_page_never_puts_text_in_as_html() -> None:
    from pathlib import Path

    import bot.channels.web as web_package

    script = (Path(web_package.__file__).parent / "static" / "chat.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "textContent" in script


async def test_a_small_json_body_is_limited_before_reading(web) -> None:
    page = web.page()
    answer = await page.http.post("/api/visitor", content=b"{" + b" " * 5000 + b"}",
                                  headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 400


async def test_flooding_is_slowed_per_visitor(web) -> None:
    web.settings_overrides.update(web_messages_per_minute=3)
    await web.restart()
    page = await visitor(web)
    for index in range(6):
        await page.say(f"消息 {index}")
    slowed = await page.wait_for(
        lambda: next((f for f in page.frames if f["t"] == "error" and f.get("retry")), None),
        what="a slow-down",
    )
    assert "太快" in slowed["text"]


async def test_new_visitors_per_address_are_limited(web) -> None:
    web.settings_overrides.update(web_new_visitors_per_hour=2)
    await web.restart()
    answers = []
    for _ in range(4):
        page = web.page()
        answers.append((await page.http.post("/api/visitor", json={})).status_code)
    assert answers[:2] == [200, 200] and 429 in answers[2:]


async def test_a_failure_is_told_kindly_and_the_message_is_taken_when_sent_again(web) -> None:
    page = await visitor(web)
    intake = web.services.intake
    original = intake.current

    async def broken(person_id):
        raise RuntimeError("the disk caught fire")

    intake.current = broken
    try:
        await page.send({"t": "text", "id": "retry-me", "text": "我买的杯子碎了"})
        failed = await page.wait_for(
            lambda: next((f for f in page.frames if f["t"] == "error"), None), what="an error"
        )
    finally:
        intake.current = original
    assert failed["retry"] is True and "没有丢失" in failed["text"]
    assert "fire" not in json.dumps(page.frames)  # no exception text reaches the visitor
    await page.send({"t": "text", "id": "retry-me", "text": "我买的杯子碎了"})  # the page resends
    await page.wait_for(lambda: any(f["t"] == "got" for f in page.frames), what="got")
    await page.wait_for(lambda: [m for m in page.messages if m["from"] == "bot"], what="reply")
    assert [m["from"] for m in page.messages].count("me") == 1  # shown once, taken once


async def test_the_routes_mount_into_another_app_beside_its_own(web) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from bot.channels.web.app import web_mount
    from bot.channels.web.server import WebServer

    async def webhook(request):
        return PlainTextResponse("telegram")

    app = Starlette(routes=[Route("/telegram", webhook, methods=["POST"]),
                            web_mount(web.services.web, web.settings)])  # fmt: skip
    server = WebServer(app, "127.0.0.1", 0, max_frame_bytes=16384)
    await server.start()
    try:
        page = Page.open(f"http://127.0.0.1:{server.port}")
        assert (await page.http.post("/telegram")).text == "telegram"
        index = await page.http.get("/")
        assert (
            index.status_code == 200
            and "default-src 'none'" in index.headers["content-security-policy"]
        )
        await page.become_visitor()
        await page.connect()
        await ready(page)
        await page.close()
    finally:
        await server.stop()
