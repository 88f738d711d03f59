"""`ledger inspection verify YEAR`: re-run a year's inspection draw from the stored events."""

from __future__ import annotations

import click

from ledger.domain.errors import NotFound
from ledger.integrity.inspection import PlanCheck, describe, plan_years, verify_plan


@click.group()
def inspection() -> None:
    """The yearly inspection plan (双随机一公开)."""


@inspection.command("verify")
@click.argument("year", type=click.IntRange(1900, 2999))
def verify_inspection(year: int) -> None:
    """Recompute YEAR's draw from the log as of its head position; exit 1 on any difference."""
    from ledger.application import Ledger

    ledger = Ledger()
    try:
        check = verify_plan(ledger, year)
    except NotFound as error:
        raise click.ClickException(error.message) from None
    finally:
        ledger.close()
    for line in describe(check):
        click.echo(line)
    raise SystemExit(0 if check.matches else 1)


def verify_all_plans(ledger) -> list[PlanCheck]:
    """The check of every inspection plan in the log (the section of `ledger verify`)."""
    return [verify_plan(ledger, year) for year in plan_years(ledger)]


def add_inspection_commands(group: click.Group) -> None:
    group.add_command(inspection)
