"""Tests of the fake Telegram itself: a real PTB Bot through both adapters, and the core."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from tests.fakes import FakeTelegram, application_builder, make_bot, make_png, polling
from tests.fakes.http_server import serve_fake_telegram
from tests.fakes.telegram_text import parse_html, parse_markdown_v2

ADAPTERS = ["ptb_request", "http"]


@pytest.fixture(params=ADAPTERS)
async def tg(request) -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    """The fake and a real PTB Bot talking to it, through FakeRequest or over HTTP."""
    fake = FakeTelegram(max_poll_wait=2)
    if request.param == "ptb_request":
        async with make_bot(fake) as bot:
            yield fake, bot
    else:
        async with serve_fake_telegram(fake) as base_url:
            bot = Bot(fake.token, base_url=f"{base_url}/bot", base_file_url=f"{base_url}/file/bot")
            async with bot:
                yield fake, bot


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"pick:{label}") for label in labels]]
    )


# ------------------------------------------------------------------------------- real PTB Bot


async def test_get_me(tg):
    fake, bot = tg
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (fake.bot.id, fake.bot.username, True)
    assert fake.calls[0].method == "getMe"


async def test_send_message_and_read_it_back(tg):
    fake, bot = tg
    alice = fake.add_user("Alice", language_code="zh-hans", started=True)
    sent = await bot.send_message(
        alice.id, "<b>Ticket</b> #12 is open", parse_mode="HTML", reply_markup=keyboard("Yes", "No")
    )
    assert sent.text == "Ticket #12 is open"
    assert sent.entities[0].type == "bold"
    [stored] = fake.sent_to(alice)
    assert stored.id == sent.message_id
    assert stored.content == "Ticket #12 is open"
    assert stored.kind == "text"
    assert [b["text"] for b in stored.buttons] == ["Yes", "No"]
    assert stored.button("No")["callback_data"] == "pick:No"
    assert fake.last_call("sendMessage").params["text"] == "<b>Ticket</b> #12 is open"


async def test_unescaped_user_text_in_html_is_rejected(tg):
    fake, bot = tg
    alice = fake.add_user(started=True)
    user_text = 'Seller said <refund> & "no"'
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(alice.id, f"<b>Complaint:</b> {user_text}", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(alice.id, "Tom & Jerry", parse_mode="HTML")
    sent = await bot.send_message(
        alice.id, f"<b>Complaint:</b> {html.escape(user_text)}", parse_mode="HTML"
    )
    assert sent.text == f"Complaint: {user_text}"
    assert fake.sent_to(alice)[-1].content == f"Complaint: {user_text}"


async def test_text_and_caption_limits(tg):
    fake, bot = tg
    alice = fake.add_user(started=True)
    await bot.send_message(alice.id, "я" * 4096)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(alice.id, "я" * 4097)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(alice.id, "  \n ")
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_photo(alice.id, make_png(), caption="x" * 1025)


async def test_photo_upload_get_file_and_download(tg):
    fake, bot = tg
    alice = fake.add_user(started=True)
    png = make_png(1000, 600)
    sent = await bot.send_photo(alice.id, png, caption="evidence")
    assert [(p.width, p.height) for p in sent.photo] == [
        (90, 54),
        (320, 192),
        (800, 480),
        (1000, 600),
    ]
    telegram_file = await bot.get_file(sent.photo[-1].file_id)
    assert telegram_file.file_path.endswith(".jpg")
    assert bytes(await telegram_file.download_as_bytearray()) == png
    stored = fake.sent_to(alice)[-1]
    assert (stored.kind, stored.file_id, stored.content) == (
        "photo",
        sent.photo[-1].file_id,
        "evidence",
    )
    again = await bot.send_photo(alice.id, sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(alice.id, b"not an image")


async def test_user_photo_download(tg):
    fake, bot = tg
    alice = fake.add_user()
    png = make_png(200, 100)
    update = Update.de_json(fake.send_photo(alice, png, caption="broken"), bot)
    assert update.message.caption == "broken"
    largest = update.message.photo[-1]
    assert (largest.width, largest.height) == (200, 100)
    telegram_file = await largest.get_file()
    assert bytes(await telegram_file.download_as_bytearray()) == png


async def test_media_group_with_two_uploads(tg):
    fake, bot = tg
    alice = fake.add_user(started=True)
    first, second = make_png(10, 10, (1, 2, 3)), make_png(20, 10, (4, 5, 6))
    messages = await bot.send_media_group(
        alice.id, [InputMediaPhoto(first, caption="one"), InputMediaPhoto(second)]
    )
    assert len(messages) == 2
    assert messages[0].media_group_id and messages[0].media_group_id == messages[1].media_group_id
    assert messages[0].caption == "one" and messages[1].caption is None
    stored = fake.sent_to(alice)
    assert [m.kind for m in stored] == ["photo", "photo"]
    assert fake.file_bytes(stored[1].file_id) == second
    attach = json.loads(fake.last_call("sendMediaGroup").params["media"])
    assert all(item["media"].startswith("attach://") for item in attach)


async def test_forum_topic_create_and_send(tg):
    fake, bot = tg
    agents = fake.add_group("Agents", is_forum=True)
    topic = await bot.create_forum_topic(agents.id, "Ticket #12")
    sent = await bot.send_message(
        agents.id, "New ticket", message_thread_id=topic.message_thread_id
    )
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    assert sent.reply_to_message.forum_topic_created.name == "Ticket #12"  # as Telegram does
    assert [m.content for m in fake.sent_to(agents, topic.message_thread_id)] == ["New ticket"]
    assert fake.topic(agents, "Ticket #12").message_thread_id == topic.message_thread_id
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(agents.id, "x", message_thread_id=1)  # General: leave it out

    plain = fake.add_group("Plain")
    with pytest.raises(BadRequest, match="(?i)the chat is not a forum"):
        await bot.create_forum_topic(plain.id, "T")
    no_rights = fake.add_group("No rights", is_forum=True, bot_rights={"can_manage_topics": False})
    with pytest.raises(BadRequest, match="(?i)not enough rights to create a topic"):
        await bot.create_forum_topic(no_rights.id, "T")


async def test_blocked_user_is_forbidden(tg):
    fake, bot = tg
    alice = fake.add_user(started=True)
    stranger = fake.add_user("Stranger")
    fake.block_bot(alice)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(alice.id, "hello")
    with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
        await bot.send_message(stranger.id, "hello")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(123, "hello")


# PTB 22 warns that RetryAfter.retry_after becomes a timedelta in PTB 23
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_raises_retry_after(tg):
    fake, bot = tg
    alice = fake.add_user(started=True)
    fake.fail_next("sendMessage", 2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(alice.id, "hi")
        retry_after = caught.value.retry_after
        if isinstance(retry_after, dtm.timedelta):
            retry_after = retry_after.total_seconds()
        assert retry_after == 7
    fake.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(alice.id, "hi")
    assert (await bot.send_message(alice.id, "hi")).text == "hi"
    assert [c.status for c in fake.calls_of("sendMessage")] == [429, 429, 502, 200]


async def test_get_updates_returns_queued_user_text(tg):
    fake, bot = tg
    alice = fake.add_user("Alice", language_code="zh-hans")
    fake.send_text(alice, "我的包裹没有到")
    [update] = await bot.get_updates(timeout=1)
    assert update.message.text == "我的包裹没有到"
    assert update.message.from_user.language_code == "zh-hans"
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert fake.pending_updates == []


async def test_long_polling_wakes_on_a_new_update(tg):
    fake, bot = tg
    alice = fake.add_user()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    fake.send_text(alice, "hello")
    [update] = await asyncio.wait_for(poll, 2)
    assert update.message.text == "hello"


async def test_edits_and_replies(tg):
    fake, bot = tg
    alice = fake.add_user(started=True)
    sent = await bot.send_message(alice.id, "Pick one", reply_markup=keyboard("A"))
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(
            "Pick one", alice.id, sent.message_id, reply_markup=keyboard("A")
        )
    edited = await bot.edit_message_text("Picked", alice.id, sent.message_id)
    assert edited.text == "Picked" and edited.reply_markup is None  # no markup: keyboard removed
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(alice.id, "x", reply_parameters=ReplyParameters(999))
    lenient = ReplyParameters(999, allow_sending_without_reply=True)
    assert (
        await bot.send_message(alice.id, "x", reply_parameters=lenient)
    ).reply_to_message is None
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            alice.id,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("long", callback_data="x" * 65)]]
            ),
        )
    assert await bot.delete_message(alice.id, sent.message_id)
    assert fake.sent_to(alice)[0].content == "x"


async def test_wrong_token(tg):
    fake, bot = tg
    fake.token = f"{fake.bot.id}:AAanotherTokenThatIsNotTheRightOne123"
    with pytest.raises(InvalidToken):
        await bot.get_me()


# ------------------------------------------------------------------------------- an Application


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_application_conversation_with_buttons(adapter):
    fake = FakeTelegram()
    alice = fake.add_user("Alice")

    async def start(update, context):
        await update.message.reply_text("Category?", reply_markup=keyboard("Refund", "Fake goods"))

    async def picked(update, context):
        await update.callback_query.answer("Noted")
        await update.callback_query.edit_message_text(f"You chose {update.callback_query.data}")

    async def echo(update, context):
        await update.message.reply_html(f"<i>{html.escape(update.message.text)}</i>")

    async def run(builder):
        app = builder.build()
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(picked))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        async with polling(app, timeout=1):
            fake.send_command(alice, "start")
            [question] = await fake.wait_for_sent(alice)
            fake.press_button(alice, question, "Refund")
            answer = await fake.wait_for_call("answerCallbackQuery")
            assert answer.params["text"] == "Noted"
            await fake.wait_for(lambda: fake.sent_to(alice)[0].content == "You chose pick:Refund")
            fake.send_text(alice, "<b>a & b</b>")
            await fake.wait_for_sent(alice, 2)
            assert fake.sent_to(alice)[1].content == "<b>a & b</b>"
            await fake.wait_idle()
        assert fake.pending_updates == []

    if adapter == "ptb_request":
        await run(application_builder(fake))
    else:
        async with serve_fake_telegram(fake) as base_url:
            await run(_http_builder(fake, base_url))


def _http_builder(fake: FakeTelegram, base_url: str) -> ApplicationBuilder:
    """What a bot started with TELEGRAM_API_URL=base_url does: real HTTPX requests."""
    return (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
    )


# ------------------------------------------------------------------------------- webhooks


async def test_webhook_delivery_to_a_receiver():
    fake = FakeTelegram()
    alice = fake.add_user()
    received: list[tuple[dict, str | None]] = []
    answers = [500, 200, 200]

    async def receive(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(status=answers.pop(0))

    receiver_app = web.Application()
    receiver_app.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with serve_fake_telegram(fake, webhook_retry_delay=0.05) as base_url:
            bot = Bot(fake.token, base_url=f"{base_url}/bot", base_file_url=f"{base_url}/file/bot")
            async with bot:
                assert await bot.set_webhook(hook_url, secret_token="s3cret")
                with pytest.raises(Conflict, match="(?i)webhook is active"):
                    await bot.get_updates()
                sent = fake.send_text(alice, "via webhook")
                await fake.wait_for(lambda: len(received) >= 2, what="webhook retries")
                assert received[0] == received[1] == (sent, "s3cret")
                info = await bot.get_webhook_info()
                assert info.url == hook_url and info.pending_update_count == 0
                assert "500" in info.last_error_message
                fake.send_command(alice, "status")
                await fake.wait_for(lambda: len(received) >= 3)
                assert received[2][0]["message"]["text"] == "/status"
                assert await bot.delete_webhook()
                fake.send_text(alice, "polling again")
                [update] = await bot.get_updates()
                assert update.message.text == "polling again"
    finally:
        await runner.cleanup()


async def test_ptb_webhook_application_receives_updates():
    """PTB's own webhook server (tornado) behind the fake: setWebhook, secret token, delivery."""
    fake = FakeTelegram()
    alice = fake.add_user("Alice")

    async def start(update, context):
        await update.message.reply_text("Welcome")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with serve_fake_telegram(fake) as base_url:
        app = _http_builder(fake, base_url).build()
        app.add_handler(CommandHandler("start", start))
        await app.initialize()
        await app.start()
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url=f"http://127.0.0.1:{port}/tg",
            secret_token="abc123",
        )
        try:
            assert fake.webhook.secret_token == "abc123"
            fake.send_command(alice, "start")
            [reply] = await fake.wait_for_sent(alice)
            assert reply.content == "Welcome"
            assert fake.webhook_log[-1][1] == "200"
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()


# ------------------------------------------------------------------------------- HTTP details


async def test_http_accepts_json_form_and_query_bodies():
    fake = FakeTelegram()
    alice = fake.add_user(started=True)
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    async with serve_fake_telegram(fake) as base_url, aiohttp.ClientSession() as session:
        url = f"{base_url}/bot{fake.token}"
        async with session.post(
            f"{url}/sendMessage", json={"chat_id": alice.id, "text": "json", "reply_markup": markup}
        ) as r:
            body = await r.json()
            assert body["ok"] and body["result"]["reply_markup"] == markup
        form = {"chat_id": str(alice.id), "text": "form", "reply_markup": json.dumps(markup)}
        async with session.post(f"{url}/SENDMESSAGE", data=form) as r:
            assert (await r.json())["result"]["text"] == "form"
        async with session.get(
            f"{url}/sendMessage", params={"chat_id": alice.id, "text": "q"}
        ) as r:
            assert (await r.json())["result"]["text"] == "q"
        async with session.get(f"{url}/noSuchMethod") as r:
            assert (r.status, await r.json()) == (
                404,
                {"ok": False, "error_code": 404, "description": "Not Found"},
            )
        async with session.get(f"{base_url}/bot123:wrongwrongwrongwrongwrongwrongwrong/getMe") as r:
            assert r.status == 401 and (await r.json())["description"] == "Unauthorized"
        async with session.get(f"{base_url}/file/bot{fake.token}/photos/none.jpg") as r:
            assert r.status == 404
    assert [m.content for m in fake.sent_to(alice)] == ["json", "form", "q"]


# ------------------------------------------------------------------------------- the core


async def test_envelopes_of_the_core():
    fake = FakeTelegram()
    assert await fake.call("getme", {}) == (
        200,
        {"ok": True, "result": await _result(fake, "getMe")},
    )
    status, body = await fake.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert (status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    status, body = await fake.call(
        "sendMessage", {"chat_id": "1", "text": "x", "reply_markup": "{"}
    )
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"
    fake.fail_next("getMe", retry_after=5)
    assert (await fake.call("getMe", {}))[1] == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5},
    }
    status, _ = await fake.call("sendDice", {})
    assert status == 501
    alice = fake.add_user(started=True)
    status, body = await fake.call(
        "sendDocument",
        {"chat_id": alice.id},
        {"document": ("big.bin", b"x" * (50 * 2**20 + 1), "")},
    )
    assert (status, body["description"]) == (413, "Request Entity Too Large")


async def _result(fake, method):
    return (await fake.call(method, {}))[1]["result"]


async def test_file_too_big_to_download_and_upload_limit():
    fake = FakeTelegram()
    alice = fake.add_user()
    update = fake.send_document(alice, b"%PDF small", file_name="scan.pdf", file_size=25 * 2**20)
    document = update["message"]["document"]
    assert (document["file_name"], document["mime_type"]) == ("scan.pdf", "application/pdf")
    async with make_bot(fake) as bot:
        with pytest.raises(BadRequest, match="(?i)file is too big"):
            await bot.get_file(document["file_id"])
        with pytest.raises(NetworkError, match="Request Entity Too Large"):
            await bot.send_document(alice.id, b"x" * (50 * 2**20 + 1), filename="huge.bin")
        with pytest.raises(BadRequest, match="(?i)can't use file of type Document as Photo"):
            await bot.send_photo(alice.id, document["file_id"])


async def test_people_in_groups_and_privacy_mode():
    fake = FakeTelegram()
    alice, agent = fake.add_user("Alice"), fake.add_user("Agent", language_code="en")
    group = fake.add_group("Agents", bot_status="member", members={agent: "administrator"})
    hidden = fake.send_text(agent, "just chatting", chat=group.id)
    seen = fake.send_command(agent, "take", "12", chat=group.id)
    assert hidden in fake.dropped_updates and seen in fake.updates
    assert seen["message"]["text"] == f"/take@{fake.bot.username} 12"
    assert seen["message"]["entities"][0] == {
        "type": "bot_command",
        "offset": 0,
        "length": len(f"/take@{fake.bot.username}"),
    }
    updates = fake.add_bot_to_group(by=alice, status="administrator", title="Shop", is_forum=True)
    assert updates[0]["my_chat_member"]["new_chat_member"]["status"] == "administrator"
    shop = fake.chat(updates[0]["my_chat_member"]["chat"]["id"])
    topic = fake.add_topic(shop, "Ticket #1", by_bot=True)
    in_topic = fake.send_text(alice, "more details", chat=shop, thread_id=topic.message_thread_id)
    message = in_topic["message"]
    assert message["is_topic_message"] and message["message_thread_id"] == topic.message_thread_id
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "Ticket #1"


async def test_user_media_album_edit_forward_and_callback_forgery():
    fake = FakeTelegram()
    alice = fake.add_user("Alice", started=True)
    album = fake.send_album(alice, ["photo", "video", ("photo", make_png(30, 30))], caption="all")
    group_ids = {u["message"]["media_group_id"] for u in album}
    assert len(album) == 3 and len(group_ids) == 1
    assert album[0]["message"]["caption"] == "all" and "caption" not in album[1]["message"]
    text = fake.send_text(alice, "first version")
    edited = fake.edit_text(alice, text["message"], "second version")
    assert edited["edited_message"]["text"] == "second version"
    forwarded = fake.send_forwarded(alice, "from the seller", origin_name="Seller")
    assert forwarded["message"]["forward_origin"]["type"] == "hidden_user"
    for action in (
        lambda: fake.send_sticker(alice),
        lambda: fake.send_voice(alice),
        lambda: fake.send_location(alice, 31.23, 121.47),
        lambda: fake.send_contact(alice, "+8613800000000"),
        lambda: fake.send_poll(alice, "Happy?", ["yes", "no"]),
    ):
        update = action()
        async with make_bot(fake) as bot:
            assert Update.de_json(update, bot).message.effective_attachment is not None
    async with make_bot(fake) as bot:
        sent = await bot.send_message(alice.id, "Pick", reply_markup=keyboard("A"))
        forged = fake.send_callback_query(alice, fake.sent_to(alice)[-1], "admin:close:1")
        assert Update.de_json(forged, bot).callback_query.data == "admin:close:1"
        query_id = forged["callback_query"]["id"]
        assert await bot.answer_callback_query(query_id, "no")
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await bot.answer_callback_query(query_id)
        copied = await bot.copy_message(alice.id, alice.id, sent.message_id)
        assert fake.message(alice, copied.message_id).content == "Pick"
        assert fake.calls_of("copyMessage")[0].ok


async def test_chat_topic_and_command_methods_parse_in_ptb():
    fake = FakeTelegram()
    alice = fake.add_user("Alice", started=True)
    agent = fake.add_user("Agent")
    agents = fake.add_group("Agents", is_forum=True, members={agent: "administrator"})
    async with make_bot(fake) as bot:
        info = await bot.get_chat(agents.id)
        assert (info.title, info.is_forum) == ("Agents", True)
        me = await bot.get_chat_member(agents.id, fake.bot.id)
        assert me.status == "administrator" and me.can_manage_topics
        assert (await bot.get_chat_member(agents.id, alice.id)).status == "left"
        admins = await bot.get_chat_administrators(agents.id)
        assert {a.user.id for a in admins} == {fake.bot.id, agent.id}
        assert await bot.send_chat_action(alice.id, "typing")
        with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
            await bot.send_chat_action(alice.id, "dancing")

        topic = await bot.create_forum_topic(agents.id, "Ticket #7")
        thread = topic.message_thread_id
        assert await bot.edit_forum_topic(agents.id, thread, name="Ticket #7 (refund)")
        assert await bot.close_forum_topic(agents.id, thread)
        with pytest.raises(BadRequest, match="(?i)topic_not_modified"):
            await bot.close_forum_topic(agents.id, thread)
        await bot.send_message(agents.id, "closed, but admins may post", message_thread_id=thread)
        assert await bot.reopen_forum_topic(agents.id, thread)
        photo = fake.send_photo(alice, make_png(), caption="receipt")["message"]
        copied = await bot.copy_message(
            agents.id, alice.id, photo["message_id"], message_thread_id=thread
        )
        copy_in_topic = fake.message(agents, copied.message_id)
        assert (copy_in_topic.kind, copy_in_topic.content) == ("photo", "receipt")
        forwarded = await bot.forward_message(
            agents.id, alice.id, photo["message_id"], message_thread_id=thread
        )
        assert forwarded.forward_origin.sender_user.id == alice.id
        edited = await bot.edit_message_caption(agents.id, copied.message_id, caption="receipt 2")
        assert edited.caption == "receipt 2"
        assert [m.content for m in fake.sent_to(agents, thread)] == [
            "closed, but admins may post",
            "receipt 2",
            "receipt",
        ]
        assert await bot.delete_forum_topic(agents.id, thread)
        with pytest.raises(BadRequest, match="(?i)message thread not found"):
            await bot.send_message(agents.id, "x", message_thread_id=thread)

        commands = [("start", "Start"), ("status", "Ticket status")]
        assert await bot.set_my_commands(commands, language_code="zh")
        assert [c.command for c in await bot.get_my_commands(language_code="zh")] == [
            "start",
            "status",
        ]
        assert fake.my_commands(language_code="zh")[1]["description"] == "Ticket status"
        with pytest.raises(BadRequest, match="(?i)invalid language code"):
            await bot.set_my_commands(commands, language_code="zh-hans")
        with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
            await bot.set_my_commands([("Start", "x")])
        assert await bot.delete_my_commands(language_code="zh")
        assert fake.my_commands(language_code="zh") == []
        assert await bot.set_chat_menu_button(alice.id)
        assert await bot.leave_chat(agents.id)
        [left] = [u for u in fake.updates if "my_chat_member" in u]
        assert left["my_chat_member"]["new_chat_member"]["status"] == "left"
        with pytest.raises(Forbidden, match="(?i)not a member"):
            await bot.send_message(agents.id, "x")
        with pytest.raises(BadRequest, match="(?i)can't parse entities: character '.' is reserved"):
            await bot.send_message(alice.id, "Ticket 1.5", parse_mode="MarkdownV2")


def test_html_parser_matches_telegram():
    assert parse_html('<b>bold <i>both</i></b> <a href="https://t.me/x">link</a> 😀<u>u</u>') == (
        "bold both link 😀u",
        [
            {"type": "bold", "offset": 0, "length": 9},
            {"type": "italic", "offset": 5, "length": 4},
            {"type": "text_link", "offset": 10, "length": 4, "url": "https://t.me/x"},
            {"type": "underline", "offset": 17, "length": 1},  # 😀 is 2 UTF-16 units
        ],
    )
    assert parse_html('<pre><code class="language-python">x = 1</code></pre>')[1] == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"}
    ]
    assert parse_html("&lt;&#39;&#x27;&quot;&amp;&gt;")[0] == "<''\"&>"
    errors = {
        "a < b": 'Unsupported start tag "" at byte offset 2',
        "<script>": 'Unsupported start tag "script" at byte offset 0',
        "<b>x</i>": 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
        "<b>x": "Can't find end tag corresponding to start tag b",
        "x</b>": "Unexpected end tag at byte offset 1",
        "<b": "Unclosed start tag at byte offset 0",
        "AT&T": 'Unescaped "&" at byte offset 2; write it as &amp;',
    }
    for text, message in errors.items():
        with pytest.raises(ValueError, match="^" + message.replace("(", r"\(") + "$"):
            parse_html(text)
    assert parse_html("AT&T > 1", strict=False)[0] == "AT&T > 1"  # what Telegram itself does


def test_markdown_v2_parser():
    assert parse_markdown_v2(r"*bold* _it_ __u__ ~s~ ||sp|| `c` [l](https://a.b) 1\.5") == (
        "bold it u s sp c l 1.5",
        [
            {"type": "bold", "offset": 0, "length": 4},
            {"type": "italic", "offset": 5, "length": 2},
            {"type": "underline", "offset": 8, "length": 1},
            {"type": "strikethrough", "offset": 10, "length": 1},
            {"type": "spoiler", "offset": 12, "length": 2},
            {"type": "code", "offset": 15, "length": 1},
            {"type": "text_link", "offset": 17, "length": 1, "url": "https://a.b"},
        ],
    )
    with pytest.raises(ValueError, match="Character '.' is reserved"):
        parse_markdown_v2("Ticket 1.5")
    with pytest.raises(ValueError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*open")
