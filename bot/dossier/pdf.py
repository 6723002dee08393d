"""The dossier as a PDF (fpdf2), in the reader's language, with the CJK font for every text."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from fpdf import FPDF
from PIL import Image, UnidentifiedImageError

from bot.dossier.content import Dossier, Reader
from bot.dossier.fonts import cjk_font_path
from bot.evidence.service import StoredEvidence
from bot.texts import t
from storage.lifecycle import TicketStatus
from storage.models import AuthorKind, EvidenceState

log = logging.getLogger(__name__)

FONT = "cjk"
THUMBNAIL = (320, 320)  # pixels, the longest side
THUMBNAIL_MM = 40
_AFTERCARE = (TicketStatus.REOPENED, TicketStatus.ESCALATED)
_logged_fonts = logging.getLogger("fontTools.subset")
_logged_fonts.setLevel(logging.WARNING)


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self._footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=15)
        self.add_font(FONT, fname=str(cjk_font_path()))
        self.set_font(FONT, size=10)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self._footer_text} · {self.page_no()}", align="C")


def render_pdf(
    dossier: Dossier, language: str, timezone: str, images: Mapping[str, bytes]
) -> bytes:
    """The PDF's bytes; `images` holds the stored bytes of the pictures, by SHA-256."""
    zone = ZoneInfo(timezone)
    ticket = dossier.ticket

    def when(moment: datetime | None) -> str:
        return "—" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def say(key: str, **values: object) -> str:
        return t(language, f"dossier.{key}", **values)

    pdf = _Document(say("title", number=ticket.number))
    pdf.set_title(say("title", number=ticket.number))
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    _line(pdf, say("title", number=ticket.number), height=9)
    pdf.set_font(FONT, size=9)
    copy = "copy_buyer" if dossier.reader is Reader.BUYER else "copy_agent"
    _line(pdf, say(copy))
    _line(pdf, say("generated", time=when(dossier.generated_at), timezone=timezone))

    _heading(pdf, say("section_details"))
    not_given = say("not_given")
    outcome = ticket.desired_resolution
    fields = [
        ("field_number", ticket.number),
        ("field_status", t(language, f"status.{ticket.status.value}")),
        ("field_category", _label(language, "category", ticket.category)),
        ("field_platform", _label(language, "platform", ticket.platform) or not_given),
        ("field_order", ticket.order_number or not_given),
        ("field_shop", ticket.shop or not_given),
        ("field_outcome", _label(language, "outcome", outcome and outcome.value) or not_given),
        ("field_filed", when(ticket.filed_at)),
        ("field_complainant", dossier.owner_name or not_given),
        ("field_description", ticket.description or not_given),
    ]
    for key, value in fields:
        _line(pdf, f"{say(key)}:{value}" if language == "zh" else f"{say(key)}: {value}")

    _heading(pdf, say("section_timeline"))
    for event in dossier.events:
        if event.action == "filed":
            text = say("event_filed")
        else:
            status = t(language, f"status.{event.status.value}") if event.status else "?"
            text = say("event_status", status=status)
        _line(pdf, f"{when(event.at)}  {text}")
    pdf.ln(2)
    for deadline in dossier.deadlines:
        done = say("done_at", time=when(deadline.done)) if deadline.done else say("not_done")
        _line(
            pdf,
            say(
                "deadline",
                step=say(f"step_{deadline.step}"),
                due=when(deadline.due),
                done=done,
                verdict=say(f"verdict_{deadline.verdict.value}"),
            ),
        )

    _heading(pdf, say("section_conversation"))
    if not dossier.conversation:
        _line(pdf, say("no_conversation"))
    for entry in dossier.conversation:
        pdf.set_font(FONT, size=8)
        _line(pdf, f"{when(entry.at)}  {_author(entry.author, entry.name, language)}")
        pdf.set_font(FONT, size=10)
        _line(pdf, entry.text, indent=4)
        pdf.ln(1)

    _heading(pdf, say("section_decision"))
    if not dossier.decisions:
        _line(pdf, say("no_decision"))
    for decision in dossier.decisions:
        status = t(language, f"status.{decision.status.value}")
        _line(pdf, say("decision", time=when(decision.at), status=status))
        if decision.note:
            _line(pdf, say("reasons", text=decision.note), indent=4)

    _heading(pdf, say("section_aftercare"))
    rating = dossier.rating
    if rating is None:
        _line(pdf, say("no_rating"))
    else:
        _line(pdf, say("rating", score=rating.score, time=when(rating.updated_at)))
        if rating.comment:
            _line(pdf, say("rating_comment", text=rating.comment), indent=4)
    later = [e for e in dossier.events if e.status in _AFTERCARE]
    if not later:
        _line(pdf, say("no_escalation"))
    for event in later:
        if event.status is TicketStatus.REOPENED:
            _line(pdf, say("review", time=when(event.at), reason=event.note or "—"))
        else:
            _line(pdf, say("escalation", time=when(event.at)))

    _heading(pdf, say("section_evidence"))
    if not dossier.evidence:
        _line(pdf, say("no_evidence"))
    owner = ticket.owner_id
    for index, item in enumerate(dossier.evidence, 1):
        _evidence(pdf, item, index, owner, language, when, images.get(item.sha256 or ""))
    if dossier.evidence:
        pdf.set_font(FONT, size=8)
        _line(pdf, say("hash_note"))
        pdf.set_font(FONT, size=10)

    if dossier.reader is Reader.BUYER:
        _heading(pdf, say("section_outside"))
        _line(pdf, t(language, "rating.outside_channels"))
    return bytes(pdf.output())


def _evidence(pdf, item: StoredEvidence, index, owner, language, when, image) -> None:
    def say(key: str, **values: object) -> str:
        return t(language, f"dossier.{key}", **values)

    sender = say("sender_buyer") if item.sender_id in (owner, None) else say("sender_agent")
    kind = t(language, f"kind.{item.kind}")
    _line(pdf, say("evidence_item", index=index, kind=kind, sender=sender,
                   time=when(item.received_at)))  # fmt: skip
    if item.caption:
        _line(pdf, say("evidence_caption", text=item.caption), indent=4)
    if item.state is not EvidenceState.STORED or item.sha256 is None:
        _line(pdf, say(f"state_{item.state.value}"), indent=4)
        return
    size = f"{item.size / 1024:.1f} KB" if item.size is not None else "—"
    _line(pdf, say("evidence_file", size=size, type=item.media_type or say("type_unknown")),
          indent=4)  # fmt: skip
    pdf.set_font(FONT, size=8)
    _line(pdf, say("evidence_hash", sha256=item.sha256), indent=4)
    pdf.set_font(FONT, size=10)
    thumbnail = _thumbnail(image) if image is not None else None
    if thumbnail is not None:
        if pdf.will_page_break(THUMBNAIL_MM + 2):
            pdf.add_page()
        pdf.image(thumbnail, x=pdf.l_margin + 4, w=THUMBNAIL_MM)
        pdf.ln(2)


def _thumbnail(data: bytes) -> BytesIO | None:
    """A small JPEG of the picture (Pillow), or None when it is not one Pillow can read."""
    try:
        with Image.open(BytesIO(data)) as picture:
            picture.thumbnail(THUMBNAIL)
            out = BytesIO()
            picture.convert("RGB").save(out, format="JPEG", quality=80)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        log.info("No thumbnail: %s", error)
        return None
    out.seek(0)
    return out


def _label(language: str, group: str, code: str | None) -> str | None:
    if not code:
        return None
    try:
        return t(language, f"{group}.{code}")
    except KeyError:
        return code


def _author(kind: AuthorKind, name: str | None, language: str) -> str:
    if kind is AuthorKind.BUYER:
        return t(language, "dossier.author_buyer")
    if kind is AuthorKind.AGENT:
        if name:
            return t(language, "dossier.author_agent_named", name=name)
        return t(language, "dossier.author_agent")
    if kind is AuthorKind.INTERNAL:
        return t(language, "dossier.author_internal", name=name or "—")
    return t(language, "dossier.author_system")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, size=12)
    _line(pdf, text, height=7)
    pdf.set_font(FONT, size=10)


def _line(pdf: FPDF, text: str, *, height: float = 5.5, indent: float = 0) -> None:
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, height, text.replace("\ufe0f", ""), new_x="LMARGIN", new_y="NEXT")
