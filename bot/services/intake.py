"""The buyer's intake, one answer at a time, kept in the database between messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.nlu import NluResult, NluUnavailable
from bot.privacy import contains_personal_numbers
from bot.services.intake_draft import (
    COMPLAINT_CATEGORIES,
    MAX_DESCRIPTION,
    MAX_SHOP,
    OUTCOMES,
    PLATFORMS,
    Draft,
    Evidence,
    EvidenceRefused,
    Step,
    clean_order_number,
    next_step,
    refuse_evidence,
)
from bot.services.records import NewTicket, TicketRecord
from bot.services.tickets import TicketService
from bot.services.understanding import details, first_guess, shortlist
from storage.db import SessionFactory, transaction
from storage.errors import DomainError
from storage.models import IntakeDraft

DUPLICATE_WINDOW = timedelta(hours=24)
NOT_INTAKES = (Step.ROUTE.value, Step.COMMENT.value, Step.REVIEW.value)


class StaleButton(DomainError):
    """A button of a draft that no longer exists or was replaced."""


class NoDraft(DomainError):
    """The person has no intake in progress."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """What to ask next, and what to tell the buyer first."""

    step: Step
    draft: Draft
    notices: tuple[str, ...] = ()
    refused: EvidenceRefused | None = None


@dataclass(frozen=True, slots=True)
class Filed:
    """The ticket that the submission produced, or the one it duplicated."""

    ticket: TicketRecord
    duplicate: bool
    same_press: bool = False  # the duplicate was filed by this very Submit button


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What a cancel dropped: the question the person was at (None: there was none), the
    number of held messages dropped with it, and the ticket a comment or reason was for."""

    step: Step | None
    held: int = 0
    ticket_number: str | None = None


class IntakeService:
    """Use cases of the intake; each runs in one transaction."""

    def __init__(
        self,
        sessions: SessionFactory,
        tickets: TicketService,
        clock: Callable[[], datetime],
        confidence_threshold: float = 0.55,
        shortlist_min_confidence: float = 0.5,
    ) -> None:
        self._sessions, self._tickets, self._clock = sessions, tickets, clock
        self._threshold = confidence_threshold
        self._shortlist_mass = shortlist_min_confidence

    async def current(self, person_id: int) -> Prompt | None:
        """The question the person is at, or None when nothing is in progress."""
        async with transaction(self._sessions, read_only=True) as session:
            row = await session.get(IntakeDraft, person_id)
            return Prompt(Step(row.step), Draft.from_json(row.data)) if row else None

    async def begin(self, person_id: int) -> Prompt:
        """Starts a new draft (or returns the one in progress) and asks for the description."""
        async with transaction(self._sessions) as session:
            row = await session.get(IntakeDraft, person_id, with_for_update=True)
            if row is not None and row.step == Step.ROUTE.value:
                # Messages held for "which ticket?" become the start of the new complaint.
                draft = _from_held(Draft.from_json(row.data))
                return self._save(row, Step.DESCRIBE, draft)
            if row is not None and row.step in (Step.COMMENT.value, Step.REVIEW.value):
                await session.delete(row)  # a new complaint wins over an optional comment
                await session.flush()
                row = None
            if row is not None:
                return Prompt(Step(row.step), Draft.from_json(row.data))
            draft = Draft()
            self._store(session, person_id, None, Step.DESCRIBE, draft)
            return Prompt(Step.DESCRIBE, draft)

    async def describe(self, person_id: int, text: str, nlu: NluResult | NluUnavailable) -> Prompt:
        """Stores the description with the category the model proposes."""
        text = text.strip()
        notices = ("intake.personal_data_warning",) if contains_personal_numbers(text) else ()
        async with transaction(self._sessions) as session:
            row = await session.get(IntakeDraft, person_id, with_for_update=True)
            draft = Draft.from_json(row.data) if row else Draft()
            if draft.description and not draft.editing and Step(row.step) is Step.DESCRIBE:
                text = f"{draft.description}\n{text}"  # held messages first
            draft.description, cut = _within_limit(text)
            if not draft.editing:
                self._apply_understanding(draft, nlu)
            return self._advance(session, person_id, row, Step.DESCRIBE, draft, notices + cut)

    async def continue_description(self, person_id: int, text: str) -> Prompt:
        """Adds a further message to the description while the category is being asked: a
        long text reaches the bot as several messages, and each of them is kept."""
        async with transaction(self._sessions) as session:
            row, draft = await self._locked(session, person_id)
            if Step(row.step) is not Step.CATEGORY:
                raise StaleButton(Step.CATEGORY)
            draft.description, cut = _within_limit(f"{draft.description}\n{text.strip()}")
            private = contains_personal_numbers(text)
            notices = ("intake.personal_data_warning",) if private else ()
            notices += cut or ("intake.description_continued",)
            return self._save(row, Step.CATEGORY, draft, notices)

    async def choose_category(self, person_id: int, token: str, category: str) -> Prompt:
        """Stores the category the buyer confirmed or picked."""
        if category not in COMPLAINT_CATEGORIES:
            raise StaleButton(category)

        def apply(draft: Draft) -> None:
            if category != draft.suggested:
                draft.confidence = None
            draft.category = category

        return await self._answer(person_id, token, Step.CATEGORY, apply)

    async def list_categories(self, person_id: int, token: str) -> Prompt:
        """Shows the whole list instead of the proposal."""
        async with transaction(self._sessions) as session:
            row, draft = await self._locked(session, person_id, token)
            draft.category_reason = "choose"
            return self._save(row, Step.CATEGORY, draft)

    async def choose_platform(self, person_id: int, token: str, platform: str | None) -> Prompt:
        """Stores the platform, or nothing when skipped."""
        if platform is not None and platform not in PLATFORMS:
            raise StaleButton(platform)
        return await self._answer(person_id, token, Step.PLATFORM, _setter("platform", platform))

    async def give_order(self, person_id: int, text: str) -> Prompt:
        """Stores a typed order number, or explains the format and asks again."""
        number = clean_order_number(text)
        async with transaction(self._sessions) as session:
            row, draft = await self._locked(session, person_id)
            if number is None:
                return Prompt(Step.ORDER, draft, ("intake.bad_order",))
            draft.order_number = number
            return self._advance(session, person_id, row, Step.ORDER, draft)

    async def choose_order(self, person_id: int, token: str, use_detected: bool) -> Prompt:
        """Takes the order number found in the description, or skips the question."""

        def apply(draft: Draft) -> None:
            draft.order_number = draft.detected_order if use_detected else None

        return await self._answer(person_id, token, Step.ORDER, apply)

    async def give_shop(self, person_id: int, text: str | None, token: str = "") -> Prompt:
        """Stores the shop's name (typed), or nothing when skipped (button)."""
        shop = text.strip() if text else None
        if shop is not None and len(shop) > MAX_SHOP:
            async with transaction(self._sessions, read_only=True) as session:
                _, draft = await self._locked(session, person_id)
                return Prompt(Step.SHOP, draft, ("intake.bad_shop",))
        return await self._answer(person_id, token or None, Step.SHOP, _setter("shop", shop))

    async def choose_outcome(self, person_id: int, token: str, outcome: str | None) -> Prompt:
        """Stores the outcome the buyer wants."""
        if outcome is not None and outcome not in OUTCOMES:
            raise StaleButton(outcome)
        return await self._answer(person_id, token, Step.OUTCOME, _setter("outcome", outcome))

    async def add_evidence(self, person_id: int, item: Evidence) -> Prompt:
        """Keeps one file, or says why not; what was received before always stays."""
        async with transaction(self._sessions) as session:
            row, draft = await self._locked(session, person_id)
            refused = refuse_evidence(draft, item)
            if refused is None:
                draft.evidence.append(item)
                row.data = draft.to_json()
                row.updated_at = self._clock()
            return Prompt(Step(row.step), draft, refused=refused)

    async def finish_evidence(self, person_id: int, token: str) -> Prompt:
        """Closes the evidence step and shows the summary."""
        return await self._answer(person_id, token, Step.EVIDENCE, lambda draft: None)

    async def edit(self, person_id: int, token: str, step: Step) -> Prompt:
        """Goes back to one question from the summary; answering it returns to the summary."""
        async with transaction(self._sessions) as session:
            row, draft = await self._locked(session, person_id, token)
            draft.editing = step is not Step.SUMMARY
            if step is Step.CATEGORY:
                draft.category_reason = "choose"
            return self._save(row, step, draft)

    async def submit(self, person_id: int, token: str) -> Filed:
        """Files the ticket; a repeated tap or the same complaint again gives the existing one."""
        async with transaction(self._sessions) as session:
            row = await session.get(IntakeDraft, person_id, with_for_update=True)
            draft = Draft.from_json(row.data) if row else None
            if row is None or draft is None or draft.token != token:
                earlier = await self._tickets.find_by_intake_token(session, person_id, token)
                if earlier is not None:
                    return Filed(TicketRecord.of(earlier), duplicate=True, same_press=True)
                # A press answered with an open ticket before a crash took the answer: again.
                earlier = await self._tickets.find_submitted_again(session, person_id, token)
                if earlier is None:
                    raise StaleButton(token)
                return Filed(TicketRecord.of(earlier), duplicate=True)
            if draft.category is None:
                raise StaleButton(token)
            await session.delete(row)
            earlier = await self._tickets.find_recent_duplicate(
                session, person_id, draft.category, draft.order_number,
                since=self._clock() - DUPLICATE_WINDOW,
            )  # fmt: skip
            if earlier is not None:
                await self._tickets.submitted_again(session, earlier, person_id, token)
                return Filed(TicketRecord.of(earlier), duplicate=True)
            ticket = await self._tickets.file_in(session, _new_ticket(person_id, draft))
            return Filed(TicketRecord.of(ticket), duplicate=False)

    async def cancel(self, person_id: int) -> Cancelled:
        """Drops whatever question the person is at: an intake, messages held for "which
        ticket?" (they join no ticket), an awaited comment or review reason."""
        async with transaction(self._sessions) as session:
            row = await session.get(IntakeDraft, person_id, with_for_update=True)
            if row is None:
                return Cancelled(None)
            await session.delete(row)
            draft = Draft.from_json(row.data)
            return Cancelled(Step(row.step), len(draft.pending), draft.ticket_number)

    async def discard(self, person_id: int) -> bool:
        """Withdraws the draft; False when there was none."""
        async with transaction(self._sessions) as session:
            row = await session.get(IntakeDraft, person_id, with_for_update=True)
            if row is None:
                return False
            await session.delete(row)
            return True

    async def expire(self, idle: timedelta) -> list[int]:
        """Removes intakes untouched for `idle`; held messages never expire. Returns whose."""
        cutoff = self._clock() - idle
        async with transaction(self._sessions) as session:
            stale = (
                await session.scalars(
                    select(IntakeDraft)
                    .where(IntakeDraft.updated_at < cutoff, IntakeDraft.step.not_in(NOT_INTAKES))
                    .with_for_update()
                )
            ).all()
            for row in stale:
                await session.delete(row)
            return [row.person_id for row in stale]

    def _apply_understanding(self, draft: Draft, nlu: NluResult | NluUnavailable) -> None:
        draft.category = draft.suggested = draft.confidence = None
        draft.model_guess = draft.model_confidence = None
        draft.shortlist = []
        _forget_prefilled(draft)
        if isinstance(nlu, NluUnavailable):
            draft.category_reason = "unavailable"
            return
        _prefill(draft, nlu)
        guess = first_guess(nlu)
        if guess is not None:
            draft.model_guess, draft.model_confidence = guess
        if nlu.intent in COMPLAINT_CATEGORIES and nlu.confidence >= self._threshold:
            draft.suggested, draft.confidence = nlu.intent, nlu.confidence
            draft.category_reason = "suggested"
        elif short := shortlist(nlu, self._shortlist_mass):
            draft.shortlist = list(short)
            draft.category_reason = "shortlist"
        else:
            draft.category_reason = "low_confidence"

    async def _answer(
        self, person_id: int, token: str | None, step: Step, apply: Callable[[Draft], None]
    ) -> Prompt:
        async with transaction(self._sessions) as session:
            row, draft = await self._locked(session, person_id, token)
            if Step(row.step) is not step:
                raise StaleButton(step)
            apply(draft)
            return self._advance(session, person_id, row, step, draft)

    async def _locked(self, session, person_id: int, token: str | None = None):
        row = await session.get(IntakeDraft, person_id, with_for_update=True)
        if row is None:
            raise StaleButton(token) if token else NoDraft(person_id)
        draft = Draft.from_json(row.data)
        if token is not None and draft.token != token:
            raise StaleButton(token)
        return row, draft

    def _advance(self, session, person_id, row, answered: Step, draft: Draft, notices=()) -> Prompt:
        if answered is not Step.DESCRIBE:  # the buyer's own answer replaces the description's
            draft.prefilled = [s for s in draft.prefilled if s != answered.value]
        step = next_step(draft, answered)
        if step is Step.SUMMARY:
            draft.editing = False
        if row is None:
            row = self._store(session, person_id, None, step, draft)
        return self._save(row, step, draft, notices)

    def _save(self, row: IntakeDraft, step: Step, draft: Draft, notices=()) -> Prompt:
        row.step, row.data, row.updated_at = step.value, draft.to_json(), self._clock()
        return Prompt(step, draft, tuple(notices))

    def _store(self, session, person_id: int, row, step: Step, draft: Draft) -> IntakeDraft:
        now = self._clock()
        row = IntakeDraft(
            person_id=person_id, step=step.value, data=draft.to_json(), created_at=now,
            updated_at=now,
        )  # fmt: skip
        session.add(row)
        return row


_PREFILLABLE = {Step.PLATFORM: "platform", Step.ORDER: "order_number", Step.SHOP: "shop",
                Step.OUTCOME: "outcome"}  # fmt: skip


def _forget_prefilled(draft: Draft) -> None:
    """Clears what an earlier description filled in, before the new one is understood."""
    for step, attribute in _PREFILLABLE.items():
        if step.value in draft.prefilled:
            setattr(draft, attribute, None)
    draft.prefilled = []
    draft.detected_platform = draft.detected_order = None


def _prefill(draft: Draft, nlu: NluResult) -> None:
    """Answers the questions the description already answers; the summary shows them."""
    found = details(nlu)
    draft.detected_platform, draft.detected_order = found.platform, found.order_number
    for step, attribute in _PREFILLABLE.items():
        value = getattr(found, attribute)
        if value is not None and getattr(draft, attribute) is None:
            setattr(draft, attribute, value)
            draft.prefilled.append(step.value)


def _within_limit(text: str) -> tuple[str, tuple[str, ...]]:
    """The description as kept, with the notice that says it was cut when it was."""
    if len(text) <= MAX_DESCRIPTION:
        return text, ()
    return text[:MAX_DESCRIPTION], ("common.too_long",)


def _from_held(held: Draft) -> Draft:
    texts = [p["text"] for p in held.pending if p.get("text")]
    evidence = [p["evidence"] for p in held.pending if p.get("evidence")]
    return Draft.from_json({"description": "\n".join(texts), "evidence": evidence[:10]})


def _setter(attribute: str, value: object) -> Callable[[Draft], None]:
    return lambda draft: setattr(draft, attribute, value)


def _new_ticket(person_id: int, draft: Draft) -> NewTicket:
    return NewTicket(
        owner_id=person_id,
        category=draft.category or "",
        confidence=draft.confidence,
        platform=draft.platform,
        order_number=draft.order_number,
        shop=draft.shop,
        desired_resolution=draft.outcome,
        description=draft.description,
        evidence=list(draft.evidence),
        intake_token=draft.token,
        model_category=draft.model_guess,
        model_confidence=draft.model_confidence,
    )
