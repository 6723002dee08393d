"""The dossier through Telegram: /dossier for the buyer, the card's button for the agents."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

from pypdf import PdfReader

from tests.bot.desk import Desk
from tests.bot.test_aftercare_flow import resolve
from tests.bot.world import texts
from tests.fakes import Msg

BUYER_FOLLOWUP = "商家一直不回复我的消息"
AGENT_ANSWER = "您好,我们已经联系了商家,请稍候。"
INTERNAL_NOTE = "内部:这家店上周已有三起同类投诉"
REASONS = "商家同意退款 50 元,已在平台提交退款。"


def pdf_text(data: bytes) -> str:
    """The PDF's text with the line breaks fpdf2 put in long lines taken out."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_pdf(message: Msg) -> bool:
    return message.kind == "document" and message["document"]["file_name"].endswith(".pdf")


def file_bytes(desk: Desk, message: Msg) -> bytes:
    return desk.fake.files[message.file_id].data


async def _worked_ticket(desk: Desk) -> None:
    """Evidence stored, a buyer follow-up, an answer, an internal note, a decision, a rating."""
    await desk.world.services.downloads.run_once()
    ticket = await desk.ticket()
    await desk.agent_says(AGENT_ANSWER)
    await desk.agent_command("note", INTERNAL_NOTE)
    notice = next(m for m in reversed(desk.fake.sent_to(desk.buyer)) if AGENT_ANSWER in m.content)
    await desk.world.exchange(
        desk.buyer, lambda: desk.fake.send_text(desk.buyer, BUYER_FOLLOWUP, reply_to=notice)
    )
    await resolve(desk, REASONS)
    decision = desk.fake.sent_to(desk.buyer)[-1]
    replies = await desk.world.press(desk.buyer, decision, "⭐⭐", replies=4)
    assert f"/dossier {ticket.number}" in texts(replies)  # offered with the outside channels


async def test_the_buyers_dossier_holds_everything_but_internal_notes(desk: Desk) -> None:
    await _worked_ticket(desk)
    ticket = await desk.ticket()

    sent = await desk.world.command(desk.buyer, "dossier", ticket.number)
    await desk.fake.wait_for_sent(desk.buyer, len(desk.fake.sent_to(desk.buyer)))
    documents = [m for m in desk.fake.sent_to(desk.buyer)[-2:] if m.kind == "document"]
    assert [m["document"]["file_name"] for m in documents] == [
        f"{ticket.number}-dossier.pdf",
        f"{ticket.number}-evidence.zip",
    ], texts(sent)

    text = pdf_text(file_bytes(desk, documents[0]))
    for expected in (
        ticket.number, "投诉档案", "商品质量问题", "淘宝", "<b>杯子</b>碎了 & 漏水", "裂缝",
        BUYER_FOLLOWUP, AGENT_ANSWER, REASONS, "2/5", "12315", "按时完成", "SHA-256",
    ):  # fmt: skip
        assert squeezed(expected) in text, expected
    assert squeezed(INTERNAL_NOTE) not in text
    assert "王客服" not in text  # agents answer as the support team

    [photo] = await desk.world.services.evidence.of_ticket(ticket.id)
    assert photo.sha256 in text
    pages = PdfReader(io.BytesIO(file_bytes(desk, documents[0]))).pages
    assert sum(len(page.images) for page in pages) == 1  # the photo's thumbnail

    archive = zipfile.ZipFile(io.BytesIO(file_bytes(desk, documents[1])))
    manifest = archive.read("manifest-sha256.txt").decode().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in manifest)
    files = [name for name in archive.namelist() if name.startswith("evidence/")]
    assert sorted(listed) == sorted(files) and len(files) == 1
    for name, digest in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest == photo.sha256
    details = json.loads(archive.read("manifest.json"))
    assert details["ticket"] == ticket.number
    assert details["files"][0]["sender"] == "buyer" and details["files"][0]["type"] == "image/png"


async def test_the_english_dossier_is_in_english(desk: Desk) -> None:
    await desk.world.services.downloads.run_once()
    ticket = await desk.ticket()
    await desk.world.services.people.set_language(desk.buyer.id, "en")

    await desk.world.command(desk.buyer, "dossier")  # the buyer's only ticket
    pdf = next(m for m in desk.fake.sent_to(desk.buyer) if is_pdf(m))
    text = pdf_text(file_bytes(desk, pdf))
    assert squeezed(f"Complaint dossier {ticket.number}") in text
    assert squeezed("1. The complaint") in text and squeezed("6. Evidence") in text
    assert squeezed("<b>杯子</b>碎了") in text  # the buyer's own words stay as written


async def test_a_foreign_number_is_answered_like_a_missing_one(desk: Desk) -> None:
    ticket = await desk.ticket()
    stranger = desk.world.buyer("陌生人")

    foreign = await desk.world.command(stranger, "dossier", ticket.number)
    never_issued = await desk.world.command(stranger, "dossier", "TS-20200101-9999")

    def shape(replies: list[Msg]) -> list[str]:
        return [m.content.replace(ticket.number, "N").replace("TS-20200101-9999", "N")
                for m in replies]  # fmt: skip

    assert shape(foreign) == shape(never_issued)
    assert len(foreign) == 1 and foreign[0].kind == "text"
    assert not any(m.kind == "document" for m in desk.fake.sent_to(stranger))


async def test_the_agents_dossier_includes_internal_notes(desk: Desk) -> None:
    await _worked_ticket(desk)
    ticket = await desk.ticket()
    before = len(desk.fake.sent_to(desk.group))

    await desk.press("📄 生成档案")
    await desk.fake.wait_for_sent(desk.group, before + 2)

    posted = desk.fake.sent_to(desk.group)[before:]
    pdf = next(m for m in posted if is_pdf(m))
    if ticket.group_topic_id is not None:
        assert pdf.thread_id == ticket.group_topic_id
    text = pdf_text(file_bytes(desk, pdf))
    assert squeezed(INTERNAL_NOTE) in text and squeezed(AGENT_ANSWER) in text
    assert "王客服" in text
