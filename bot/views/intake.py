"""Messages and buttons of the intake, in the buyer's language; user text is escaped."""

from __future__ import annotations

from html import escape

from bot.callback_data import ButtonData
from bot.services.intake import Prompt
from bot.services.intake_draft import (
    COMPLAINT_CATEGORIES,
    MAX_DESCRIPTION,
    MAX_EVIDENCE,
    MAX_EVIDENCE_BYTES,
    MAX_SHOP,
    OUTCOMES,
    PLATFORMS,
    Draft,
    EvidenceRefused,
    Step,
)
from bot.texts import t
from bot.views.reply import Button, Keyboard, Reply

SUMMARY_DESCRIPTION_CHARS = 1500
NOTICE_LIMITS = {"common.too_long": MAX_DESCRIPTION}  # other notices name the shop's limit
EDITABLE = (
    Step.DESCRIBE, Step.CATEGORY, Step.PLATFORM, Step.ORDER, Step.SHOP, Step.OUTCOME,
    Step.EVIDENCE,
)  # fmt: skip
EDIT_LABELS = {
    Step.DESCRIBE: "intake.edit_description", Step.CATEGORY: "intake.edit_category",
    Step.PLATFORM: "intake.edit_platform", Step.ORDER: "intake.edit_order",
    Step.SHOP: "intake.edit_shop", Step.OUTCOME: "intake.edit_outcome",
    Step.EVIDENCE: "intake.edit_evidence",
}  # fmt: skip
REFUSAL_TEXTS = {
    EvidenceRefused.TOO_MANY: "intake.evidence_too_many",
    EvidenceRefused.TOO_BIG: "intake.evidence_too_big",
    EvidenceRefused.UNSUPPORTED: "intake.evidence_unsupported",
}


def button(label: str, action: str, value: str = "", token: str = "") -> Button:
    return Button(label, ButtonData(action, value, token).encode())


def rows(buttons: list[Button], width: int) -> list[list[Button]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def render_prompt(prompt: Prompt, language: str) -> list[Reply]:
    """The notices, then the question of the prompt's step."""
    count = len(prompt.draft.description)
    replies = [
        Reply(t(language, key, limit=NOTICE_LIMITS.get(key, MAX_SHOP), count=count))
        for key in prompt.notices
    ]
    replies.append(QUESTIONS[prompt.step](prompt.draft, language))
    return replies


def render_evidence_refusal(refused: EvidenceRefused, kind: str, language: str) -> Reply:
    return Reply(
        t(
            language,
            REFUSAL_TEXTS[refused],
            max_files=MAX_EVIDENCE,
            max_mb=MAX_EVIDENCE_BYTES // 2**20,
            kind=escape(kind),
        )
    )


def render_evidence_count(draft: Draft, language: str) -> Reply:
    text = t(
        language, "intake.evidence_received", count=len(draft.evidence), max_files=MAX_EVIDENCE
    )
    done = button(t(language, "common.button_done"), "evdone", token=draft.token)
    return Reply(text, Keyboard([[done]]))


def ask_description(draft: Draft, language: str) -> Reply:
    return Reply(t(language, "intake.ask_description"))


def ask_category(draft: Draft, language: str) -> Reply:
    if draft.category_reason == "suggested" and draft.suggested:
        label = escape(t(language, f"category.{draft.suggested}"))
        keyboard = [
            [button(t(language, "common.button_yes"), "cat", draft.suggested, draft.token)],
            [button(t(language, "common.button_other_category"), "catlist", token=draft.token)],
        ]
        return Reply(t(language, "intake.understood", category=label), Keyboard(keyboard))
    if draft.category_reason == "shortlist" and draft.shortlist:
        return ask_from_shortlist(draft, language)
    intro = {
        "unavailable": "intake.nlu_unavailable",
        "low_confidence": "intake.low_confidence",
    }.get(draft.category_reason, "intake.choose_category")
    buttons = [
        button(t(language, f"category.{c}"), "cat", c, draft.token) for c in COMPLAINT_CATEGORIES
    ]
    return Reply(t(language, intro), Keyboard(rows(buttons, 2)))


def ask_from_shortlist(draft: Draft, language: str) -> Reply:
    """The model's three best categories, then "another category" for the whole list."""
    keyboard = [
        [button(t(language, f"category.{c}"), "cat", c, draft.token)] for c in draft.shortlist
    ]
    keyboard.append([button(t(language, "shortlist.button_another"), "catlist", token=draft.token)])
    return Reply(t(language, "shortlist.ask"), Keyboard(keyboard))


def ask_platform(draft: Draft, language: str) -> Reply:
    buttons = []
    for platform in PLATFORMS:
        label = t(language, f"platform.{platform}")
        if platform == draft.detected_platform:
            label = f"✅ {label}"
        buttons.append(button(label, "plat", platform, draft.token))
    keyboard = rows(buttons, 3) + [
        [button(t(language, "common.button_skip"), "plat", "", draft.token)]
    ]
    if draft.detected_platform:
        detected = escape(t(language, f"platform.{draft.detected_platform}"))
        text = t(language, "intake.ask_platform_detected", platform=detected)
    else:
        text = t(language, "intake.ask_platform")
    return Reply(text, Keyboard(keyboard))


def ask_order(draft: Draft, language: str) -> Reply:
    keyboard = []
    if draft.detected_order:
        use = t(language, "intake.button_use_order")
        keyboard.append([button(use, "order", "use", draft.token)])
        text = t(language, "intake.ask_order_detected", order=escape(draft.detected_order))
    else:
        text = t(language, "intake.ask_order")
    keyboard.append([button(t(language, "common.button_skip"), "order", "skip", draft.token)])
    return Reply(text, Keyboard(keyboard))


def ask_shop(draft: Draft, language: str) -> Reply:
    skip = button(t(language, "common.button_skip"), "shop", "", draft.token)
    return Reply(t(language, "intake.ask_shop"), Keyboard([[skip]]))


def ask_outcome(draft: Draft, language: str) -> Reply:
    buttons = [button(t(language, f"outcome.{o}"), "out", o, draft.token) for o in OUTCOMES]
    keyboard = rows(buttons, 2) + [
        [button(t(language, "common.button_skip"), "out", "", draft.token)]
    ]
    return Reply(t(language, "intake.ask_outcome"), Keyboard(keyboard))


def ask_evidence(draft: Draft, language: str) -> Reply:
    category = draft.category or "product_quality"
    text = t(
        language,
        "intake.ask_evidence",
        max_files=MAX_EVIDENCE,
        max_mb=MAX_EVIDENCE_BYTES // 2**20,
        category=escape(t(language, f"category.{category}")),
        hint=escape(t(language, f"evidence.{category}")),
    )
    if draft.evidence:
        text += "\n" + t(
            language, "intake.evidence_received", count=len(draft.evidence), max_files=MAX_EVIDENCE
        )
    done = button(t(language, "common.button_done"), "evdone", token=draft.token)
    return Reply(text, Keyboard([[done]]))


def show_summary(draft: Draft, language: str) -> Reply:
    not_given = t(language, "intake.not_given")
    description = escape(draft.description)
    if len(draft.description) > SUMMARY_DESCRIPTION_CHARS:
        shortened = t(language, "intake.summary_shortened", count=len(draft.description))
        description = f"{escape(draft.description[:SUMMARY_DESCRIPTION_CHARS])}…\n{shortened}"
    text = t(
        language,
        "intake.summary",
        category=escape(t(language, f"category.{draft.category}")) if draft.category else not_given,
        platform=escape(t(language, f"platform.{draft.platform}")) if draft.platform else not_given,
        order=escape(draft.order_number) if draft.order_number else not_given,
        shop=escape(draft.shop) if draft.shop else not_given,
        outcome=escape(t(language, f"outcome.{draft.outcome}")) if draft.outcome else not_given,
        evidence_count=len(draft.evidence),
        description=description or not_given,
    )
    if draft.prefilled:
        text += "\n\n" + prefilled_note(draft, language)
    keyboard = [
        [button(t(language, "intake.button_submit"), "submit", token=draft.token)],
        [
            button(t(language, "intake.button_edit"), "editmenu", token=draft.token),
            button(t(language, "intake.button_cancel_draft"), "discard", token=draft.token),
        ],
    ]
    return Reply(text, Keyboard(keyboard))


def prefilled_note(draft: Draft, language: str) -> str:
    """Which answers came from the description, so the buyer checks them."""
    steps = [s for s in EDITABLE if s.value in draft.prefilled]
    items = t(language, "prefill.separator").join(t(language, EDIT_LABELS[s]) for s in steps)
    return t(language, "prefill.note", items=escape(items))


def edit_menu(draft: Draft, language: str) -> Reply:
    buttons = [button(t(language, EDIT_LABELS[s]), "edit", s.value, draft.token) for s in EDITABLE]
    back = button(t(language, "common.button_back"), "edit", Step.SUMMARY.value, draft.token)
    return Reply(t(language, "intake.edit_which"), Keyboard(rows(buttons, 2) + [[back]]))


QUESTIONS = {
    Step.DESCRIBE: ask_description,
    Step.CATEGORY: ask_category,
    Step.PLATFORM: ask_platform,
    Step.ORDER: ask_order,
    Step.SHOP: ask_shop,
    Step.OUTCOME: ask_outcome,
    Step.EVIDENCE: ask_evidence,
    Step.SUMMARY: show_summary,
}
