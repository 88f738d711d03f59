"""`ledger import FILE`: bulk import with a progress bar and a report of every refused row."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.domain.principals import REGULATOR, Principal


def add_import_commands(group: click.Group) -> None:
    """Register `ledger import` on the `ledger` group."""
    group.add_command(import_command)


def regulator_names(engine: object) -> list[str]:
    """The names of the regulators holding a token that still admits them (not expired or
    revoked): who an import may be recorded as."""
    from ledger.tokens import Tokens

    return sorted({record.principal.name for record in Tokens(engine).list()
                   if record.principal.role == REGULATOR and record.state() == "active"})


def recorder(engine: object, name: str | None) -> Principal:
    """The regulator named by --as, or the only regulator there is; else a usage error."""
    names = regulator_names(engine)
    shown = "、".join(names) if names else "（还没有：先运行 ledger token create --role regulator --name 姓名）"
    if name is None:
        if len(names) == 1:
            return Principal(names[0], REGULATOR)
        raise click.UsageError(f"请用 --as 指明记录人，即一个监管人员令牌的名称：{shown}"
                               " (name the regulator recorded as recorded_by with --as).")
    if name not in names:
        raise click.UsageError(f"--as {name!r} 不是任何监管人员令牌的名称；可用：{shown}"
                               " (--as must name a regulator's token).")
    return Principal(name, REGULATOR)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "name", default=None,
              help="The regulator recorded as recorded_by: a regulator token's name "
                   "(default: the only regulator, when there is one).")
@click.option("--accept-valid", is_flag=True,
              help="Record the valid rows even when some are refused (default: all or nothing).")
def import_command(file: Path, name: str | None, accept_valid: bool) -> None:
    """Import deductions, attendance, secondments (and agencies) from a CSV or XLSX file."""
    from ledger.application import Ledger
    from ledger.bulk_tuning import bulk_collection
    from ledger.domain.errors import LedgerError
    from ledger.imports.limits import MAX_FILE_BYTES
    from ledger.imports.reader import UnreadableFile, too_big
    from ledger.imports.run import count_rows, import_file

    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(too_big(file.name))
    ledger = Ledger()
    try:
        by = recorder(ledger.engine, name)
        data = file.read_bytes()
        total = count_rows(data, file.name)
        with click.progressbar(length=total, label=f"checking {file.name}",
                               file=sys.stderr) as bar, bulk_collection():
            report = import_file(ledger, by, data, file.name,
                                 accept_valid=accept_valid, progress=bar.update)
    except (UnreadableFile, LedgerError) as error:
        raise click.ClickException(str(getattr(error, "message", error))) from None
    finally:
        ledger.close()
    for line in report.lines():
        click.echo(line)
    if not report.recorded:
        raise SystemExit(1)
