"""The `ledger` command: tokens and serving (the group is open for more commands)."""

from __future__ import annotations

import click

from ledger.dbsetup import add_db_commands
from ledger.calendar_cli import add_calendar_commands
from ledger.demo.cli import add_demo_commands
from ledger.domain.errors import InvalidInput
from ledger.domain.principals import ROLES
from ledger.imports.cli import add_import_commands
from ledger.integrity.cli import add_integrity_commands
from ledger.integrity.inspection_cli import add_inspection_commands
from ledger.projections.cli import add_projection_commands
from ledger.tokens_cli import add_token_commands


@click.group()
def main() -> None:
    """Assessment ledger: LEDGER_DATABASE_URL selects the store."""


@main.group()
def token() -> None:
    """Bearer tokens for the HTTP API."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="The principal recorded as recorded_by.")
@click.option("--agency", default=None, help="The agency's credit code (role agency only).")
@click.option("--expires-in", "expires_in", default=None, type=click.IntRange(1, 3650),
              metavar="DAYS", help="The token stops working DAYS days from now.")
def create_token(role: str, name: str, agency: str | None, expires_in: int | None) -> None:
    """Print one new bearer token, and nothing else, on stdout (its id on stderr)."""
    from ledger.application import Ledger
    from ledger.tokens import Tokens

    ledger = Ledger()
    try:
        token, record = Tokens(ledger.engine).issue(role, name, agency, expires_in)
        click.echo(token)
        expiry = f", expires {record.expires_at:%Y-%m-%d %H:%M} UTC" if record.expires_at else ""
        click.echo(f"token id {record.id}{expiry}", err=True)
    except InvalidInput as error:
        raise click.UsageError(error.message) from None
    finally:
        ledger.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes, 4 threads each (default: on SQLite one per CPU, at "
                   "most 4; on PostgreSQL 2 x CPUs + 1, at most 8).")
def serve(host: str, port: int, workers: int | None) -> None:
    """Serve the HTTP API with gunicorn, a production WSGI server."""
    from ledger.server import Server

    Server(bind=f"{host}:{port}", workers=workers).run()


add_token_commands(token)
add_db_commands(main)
add_integrity_commands(main)
add_projection_commands(main)
add_import_commands(main)
add_demo_commands(main)
add_inspection_commands(main)
add_calendar_commands(main)

if __name__ == "__main__":
    main()
