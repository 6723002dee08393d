"""Replies become parts the page sets as text: formatting kept, user text never markup."""

from html import escape

from bot.channels.web.render import parts_of, payload_of
from bot.views.reply import Button, Keyboard, Reply


def test_formatting_becomes_styles_and_entities_become_text() -> None:
    user_text = '<img src=x onerror="alert(1)"> & 退款'
    parts = parts_of(f"<b>投诉</b> <code>TS-1</code>\n{escape(user_text)}")
    assert parts == [
        {"text": "投诉", "style": ["b"]},
        {"text": " "},
        {"text": "TS-1", "style": ["code"]},
        {"text": "\n" + user_text},  # the person's words exactly as written, as text
    ]


def test_nested_styles_and_links_only_over_http() -> None:
    parts = parts_of('<b><i>重要</i></b><a href="https://12315.cn">12315</a>'
                     '<a href="javascript:alert(1)">点我</a>')  # fmt: skip
    assert parts[0] == {"text": "重要", "style": ["b", "i"]}
    assert parts[1] == {"text": "12315", "href": "https://12315.cn"}
    assert parts[2] == {"text": "点我"}  # no link for another scheme


def test_buttons_keep_their_rows() -> None:
    keyboard = Keyboard([[Button("是", "cat|a|t")], [Button("否", "x"), Button("跳过", "y")]])
    payload = payload_of(Reply("问题?", keyboard))
    assert payload["buttons"] == [
        [{"label": "是", "data": "cat|a|t"}],
        [{"label": "否", "data": "x"}, {"label": "跳过", "data": "y"}],
    ]
