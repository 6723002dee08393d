"""The service's commands: run, migrate, train-nlu, and the operators' commands."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

import typer

from bot.logging_setup import configure_logging
from bot.nlu_model import NluServer, NluSetupError, PortTaken, ensure_model, is_listening
from bot.settings import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
log = logging.getLogger("complaint_desk")

TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set, so the bot cannot log in to Telegram.

Get a token from @BotFather in Telegram (send /newbot and follow the steps), then
either export it:   export TELEGRAM_BOT_TOKEN=123456:ABC...
or put it in .env:  TELEGRAM_BOT_TOKEN=123456:ABC...   (see .env.example)
"""


WEB_ONLY_NOTE = """\
TELEGRAM_BOT_TOKEN is not set: the service runs the web chat alone (no Telegram).
Tickets wait for the agents' group until a token is set (get one from @BotFather).
"""


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level)
    return settings


@app.command("check-config")
def check_config() -> None:
    """Checks the settings the service cannot start without."""
    settings = _settings()
    if settings.telegram_bot_token is None:
        if not settings.web_enabled:
            typer.echo(TOKEN_HELP, err=True)
            raise typer.Exit(2)
        typer.echo(WEB_ONLY_NOTE, err=True)
    from bot.services.assignment import AssignmentConfigError, load_rules

    try:
        load_rules(settings.assignment_rules_file)
    except AssignmentConfigError as error:
        typer.echo(f"The assignment rules cannot be used: {error}", err=True)
        raise typer.Exit(1) from error
    if settings.telegram_bot_token is None:
        return
    typer.echo("Settings are complete.")


@app.command("train-nlu")
def train_nlu() -> None:
    """Trains the NLU model if its data changed since the last training."""
    _settings()
    try:
        model = ensure_model()
    except NluSetupError as error:
        typer.echo(f"Could not prepare the NLU model: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"NLU model ready: {model}")


@app.command()
def migrate() -> None:
    """Brings the database to the current schema (a fresh one or an older one)."""
    from storage.migrate import upgrade_database

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade_database(settings.effective_database_url))
    typer.echo("Database is at the current schema.")


@app.command()
def anonymise(
    days: int | None = typer.Option(None, help="Retention in days (default: RETENTION_DAYS)."),
) -> None:
    """Anonymises closed tickets older than the retention period, keeping the statistics."""
    from bot.services.clock import utc_now
    from storage.db import create_engine, create_session_factory
    from storage.retention import anonymise_expired

    settings = _settings()
    retention = days if days is not None else settings.retention_days
    if retention < 365:
        typer.echo(
            "Records are kept at least a year; refusing a retention under 365 days.", err=True
        )
        raise typer.Exit(2)

    async def work() -> None:
        from bot.evidence.service import EvidenceService
        from bot.evidence.store import FolderStore

        engine = create_engine(settings.effective_database_url)
        try:
            sessions = create_session_factory(engine)
            summary = await anonymise_expired(sessions, now=utc_now(), retention_days=retention)
            store = FolderStore(settings.effective_evidence_dir)
            files = await EvidenceService(sessions, store).forget_anonymised()
        finally:
            await engine.dispose()
        typer.echo(
            f"Anonymised {summary.tickets} ticket(s) closed more than {retention} days ago: "
            f"{summary.messages} message(s), {summary.attachments} attachment(s) cleared, "
            f"{summary.people} person name(s) removed, {files} evidence file(s) deleted. "
            "Statistics fields were kept."
        )

    asyncio.run(work())


evidence_app = typer.Typer(no_args_is_help=True, help="The evidence store.")
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("verify")
def evidence_verify() -> None:
    """Re-hashes every stored evidence file; exits 1 when one is missing or altered."""
    from bot.evidence.cli import verify_store

    raise typer.Exit(asyncio.run(verify_store(_settings(), typer.echo)))


@app.command()
def stats(
    days: Annotated[
        int, typer.Option(min=1, help="The shorter window, in days (shown beside 30).")
    ] = 7,
    chart: Annotated[
        Path | None, typer.Option(help="Also draw that window's chart to this PNG file.")
    ] = None,
) -> None:
    """Prints the complaint statistics of the last DAYS and 30 days, optionally with a chart."""
    from bot.services.clock import utc_now
    from bot.services.stats import FirstGuesses, StatsService, Summary
    from bot.views.stats import render_chart, render_first_guesses, render_summary
    from storage.db import create_engine, create_session_factory

    settings = _settings()

    async def work() -> tuple[Summary, Summary, FirstGuesses]:
        engine = create_engine(settings.effective_database_url)
        try:
            service = StatsService(create_session_factory(engine), utc_now, settings.timezone)
            return (
                await service.summary(days),
                await service.summary(30),
                await service.first_guesses(30),
            )
        finally:
            await engine.dispose()

    short, month, guesses = asyncio.run(work())
    language = settings.agent_language
    typer.echo(_plain_text(render_summary(short, month, language)))
    typer.echo("\n" + _plain_text(render_first_guesses(guesses, language)))
    if chart is not None:
        chart.write_bytes(render_chart(short, language))
        typer.echo(f"\nChart of the last {days} days written to {chart}")


@app.command()
def report(
    days: Annotated[int, typer.Option(min=1, help="The period in days (7 or 30, say).")] = 7,
    chart: Annotated[
        Path | None, typer.Option(help="Also draw the weekly trend to this PNG file.")
    ] = None,
) -> None:
    """Prints the shops, platforms and categories with the most complaints against the
    period before, with the median time to a result and the share of poor ratings."""
    from bot.services.clock import utc_now
    from bot.services.report import Report, ReportService
    from bot.views.report import render_report, render_trend_chart
    from storage.db import create_engine, create_session_factory

    settings = _settings()

    async def work() -> Report:
        engine = create_engine(settings.effective_database_url)
        try:
            service = ReportService(create_session_factory(engine), utc_now, settings.timezone)
            return await service.report(days)
        finally:
            await engine.dispose()

    result = asyncio.run(work())
    typer.echo(_plain_text(render_report(result, settings.agent_language)))
    if chart is not None:
        chart.write_bytes(render_trend_chart(result, settings.agent_language))
        typer.echo(f"\nWeekly trend written to {chart}")


@app.command()
def export(
    start: Annotated[
        datetime,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First filing day, included."),
    ],
    end: Annotated[
        datetime,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last filing day, included."),
    ],
    out: Annotated[Path, typer.Option(help="The CSV file to write (UTF-8 with a BOM).")],
) -> None:
    """Writes the tickets filed between two days (in TIMEZONE) to a CSV file."""
    from bot.services.clock import utc_now
    from bot.services.export import write_csv
    from bot.services.stats import ExportRow, StatsService
    from storage.db import create_engine, create_session_factory

    settings = _settings()
    if end < start:
        typer.echo("--to must not be before --from.", err=True)
        raise typer.Exit(2)

    async def work() -> list[ExportRow]:
        from bot.services.report import ReportService

        engine = create_engine(settings.effective_database_url)
        try:
            sessions = create_session_factory(engine)
            service = StatsService(sessions, utc_now, settings.timezone)
            rows = await service.tickets_between(start.date(), end.date())
            reports = ReportService(sessions, utc_now, settings.timezone)
            return await reports.export_columns(rows)
        finally:
            await engine.dispose()

    count = write_csv(asyncio.run(work()), out)
    typer.echo(f"Wrote {count} ticket(s) filed {start:%Y-%m-%d} to {end:%Y-%m-%d} to {out}.")


@app.command("export-training-data")
def export_training_data(
    out: Annotated[Path, typer.Option(help="The Rasa NLU YAML file to write.")],
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Only tickets filed from this day (UTC) on."),
    ] = None,
    training_data: Annotated[
        Path, typer.Option(help="The training data already in use, to leave its lines out.")
    ] = Path("nlu"),
    similarity: Annotated[
        float, typer.Option(min=0.5, max=1.0, help="How close a line counts as a duplicate.")
    ] = 0.9,
) -> None:
    """Writes the descriptions whose category agents confirmed or corrected as Rasa NLU
    training data (personal numbers masked, near-duplicates of TRAINING_DATA left out), for
    a person to review before merging into nlu/."""
    from datetime import UTC

    from bot.services.clock import utc_now
    from bot.services.corrections import CorrectionService, LabelledDescription
    from bot.services.training_export import render_yaml, select_examples, training_lines
    from storage.db import create_engine, create_session_factory

    settings = _settings()
    if not training_data.is_dir():
        typer.echo(f"{training_data} is not a folder of training data.", err=True)
        raise typer.Exit(2)

    async def work() -> list[LabelledDescription]:
        engine = create_engine(settings.effective_database_url)
        try:
            service = CorrectionService(create_session_factory(engine), utc_now)
            return await service.labelled_descriptions(since.replace(tzinfo=UTC) if since else None)
        finally:
            await engine.dispose()

    export = select_examples(asyncio.run(work()), training_lines(training_data), similarity)
    header = (
        f"Exported by `complaint-desk export-training-data` on {utc_now():%Y-%m-%d %H:%M} UTC.\n"
        f"{export.corrected} description(s) whose category an agent corrected, "
        f"{export.confirmed} confirmed by a decision; {export.left_out} left out as "
        f"near-duplicates of {training_data}/*.yml or of each other.\n"
        "Personal numbers are masked. Review every line before merging it into nlu/."
    )
    out.write_text(render_yaml(export, header), encoding="utf-8")
    typer.echo(
        f"Wrote {export.total} example(s) to {out} ({export.corrected} corrected, "
        f"{export.confirmed} confirmed; {export.left_out} near-duplicate(s) left out)."
    )


def _plain_text(html: str) -> str:
    """Telegram HTML as terminal text: tags dropped, entities such as &amp; turned back."""
    return unescape(re.sub(r"<[^>]+>", "", html))


@app.command()
def run(
    nlu_server: bool = typer.Option(
        True,
        "--nlu-server/--no-nlu-server",
        help="Start the Rasa server here; with --no-nlu-server, RASA_URL must point at one.",
    ),
) -> None:
    """Runs the service: migrates the database, starts the NLU server, then the bot and the
    web chat; without TELEGRAM_BOT_TOKEN, the web chat alone."""
    from bot.app import run_bot
    from bot.channels.web.alone import serve_web_only
    from storage.migrate import upgrade_database

    settings = _settings()
    web_only = settings.telegram_bot_token is None
    if web_only and not settings.web_enabled:
        typer.echo(TOKEN_HELP, err=True)
        raise typer.Exit(2)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade_database(settings.effective_database_url))
    server = _start_nlu_server(settings) if nlu_server else None
    try:
        if web_only:
            typer.echo(WEB_ONLY_NOTE, err=True)
            asyncio.run(serve_web_only(settings, announce=lambda text: typer.echo(text)))
        else:
            run_bot(settings)
    finally:
        if server is not None:
            log.info("Stopping the NLU server")
            server.stop()


def _start_nlu_server(settings: Settings) -> NluServer:
    """Starts Rasa on the port of RASA_URL and waits until it answers; it dies with the bot."""
    try:
        port = urlparse(settings.rasa_url).port or 5005
        if is_listening(port):  # before any training: a foreign server is never used
            raise PortTaken(port)
        model = ensure_model()
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
        server = NluServer(model, port, log_file=settings.data_dir / "nlu-server.log", token=token)
        log.info("Starting the NLU server on %s (log: %s)", server.url, server.log_file)
        server.start()
        server.wait_ready()
    except NluSetupError as error:
        typer.echo(f"The NLU server could not start: {error}", err=True)
        raise typer.Exit(1) from error
    log.info("NLU server ready")
    return server


if __name__ == "__main__":
    app()
