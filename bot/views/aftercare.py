"""Rating stars, and the review and escalation choices, in the buyer's language."""

from __future__ import annotations

from html import escape

from bot.services.records import RatingRecord, TicketRecord
from bot.texts import t
from bot.views.dossier import with_dossier_offer
from bot.views.intake import button
from bot.views.reply import Keyboard, Reply

STARS = "★★★★★"


def rating_keyboard(number: str) -> Keyboard:
    stars = [button("⭐" * score, "rate", str(score), number) for score in range(1, 6)]
    return Keyboard([stars[:3], stars[3:]])


def ask_rating(number: str, language: str) -> Reply:
    return Reply(t(language, "rating.ask"), rating_keyboard(number))


def unhappy_choices(ticket: TicketRecord, language: str) -> list[Reply]:
    """Review or escalation, and the outside channels with what evidence to keep."""
    buttons = [[button(t(language, "rating.button_review"), "review", "", ticket.number)]]
    if ticket.status.value != "closed":
        buttons.append(
            [button(t(language, "rating.button_escalate"), "escalate", "", ticket.number)]
        )
    return [
        Reply(t(language, "rating.unhappy"), Keyboard(buttons)),
        Reply(with_dossier_offer(t(language, "rating.outside_channels"), ticket.number, language)),
    ]


def escalated(number: str, due: str, language: str) -> list[Reply]:
    """The escalation confirmed. The outside channels are not repeated: the escalation
    button comes only with `unhappy_choices`, which has just shown them."""
    return [Reply(t(language, "rating.escalated", number=number, due=due))]


def ask_comment(number: str, language: str) -> Reply:
    skip = button(t(language, "common.button_skip"), "rskip", "", number)
    return Reply(t(language, "rating.ask_comment"), Keyboard([[skip]]))


def which_ticket(tickets: list[TicketRecord], language: str) -> Reply:
    rows = [
        [
            button(
                f"{tk.number} · {t(language, f'category.{tk.category}')}", "unhappy", "", tk.number
            )
        ]
        for tk in tickets
    ]
    return Reply(t(language, "rating.choose_ticket"), Keyboard(rows))


def rating_text(rating: RatingRecord, language: str, key: str, limit: int | None = None) -> str:
    """The rating with its comment; with `limit`, only the comment's beginning and "…"."""
    comment = rating.comment or ""
    if limit is not None and len(comment) > limit:
        comment = comment[:limit] + "…"
    comment = f":{escape(comment)}" if comment else ""
    stars = STARS[: rating.score] + "☆" * (5 - rating.score)
    return t(language, key, stars=stars, score=rating.score, comment=comment)
