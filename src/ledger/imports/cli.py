"""`ledger import FILE`: bulk import with a progress bar and a report of every refused row."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.domain.principals import REGULATOR, Principal


def add_import_commands(group: click.Group) -> None:
    """Register `ledger import` on the `ledger` group."""
    group.add_command(import_command)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "name", default="import", show_default=True,
              help="The regulator recorded as recorded_by.")
@click.option("--accept-valid", is_flag=True,
              help="Record the valid rows even when some are refused (default: all or nothing).")
def import_command(file: Path, name: str, accept_valid: bool) -> None:
    """Import deductions, attendance, secondments (and agencies) from a CSV or XLSX file."""
    from ledger.application import Ledger, bulk_collection
    from ledger.domain.errors import LedgerError
    from ledger.imports.reader import UnreadableFile
    from ledger.imports.run import count_rows, import_file

    data = file.read_bytes()
    ledger = Ledger()
    try:
        total = count_rows(data, file.name)
        with click.progressbar(length=total, label=f"checking {file.name}",
                               file=sys.stderr) as bar, bulk_collection():
            report = import_file(ledger, Principal(name, REGULATOR), data, file.name,
                                 accept_valid=accept_valid, progress=bar.update)
    except (UnreadableFile, LedgerError) as error:
        raise click.ClickException(str(getattr(error, "message", error))) from None
    finally:
        ledger.close()
    for line in report.lines():
        click.echo(line)
    if not report.recorded:
        raise SystemExit(1)
