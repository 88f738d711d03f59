"""`ledger demo`: record a synthetic history into an empty ledger, with a progress bar."""

from __future__ import annotations

import sys
import time
from datetime import date

import click

from ledger.config import today_in_china


def add_demo_commands(group: click.Group) -> None:
    """Register the demo command on the `ledger` group."""
    group.add_command(demo)


@click.command()
@click.option("--agencies", default=60, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--years", default=2, show_default=True, type=click.IntRange(1, 20),
              help="Calendar years of history up to --until (none before 2022, the first rules).")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--until", default=None, type=click.DateTime(["%Y-%m-%d"]),
              help="Last day of the history (default: today in China).")
@click.option("--project/--no-project", default=True, show_default=True,
              help="Bring the read models up to date afterwards.")
def demo(agencies: int, years: int, seed: int, until, project: bool) -> None:
    """Generate a realistic history (the same for the same seed) into an empty ledger."""
    from ledger.application import Ledger
    from ledger.demo.plan import Planner
    from ledger.demo.run import run_demo
    from ledger.projections.store.runner import Projections

    last = until.date() if until else today_in_china()
    if last > today_in_china():
        raise click.BadParameter("must not lie after today", param_hint="--until")
    ledger = Ledger()
    try:
        if ledger.recorder.max_notification_id():
            raise click.UsageError("The ledger is not empty; the demo only fills an empty one.")
        planner = Planner(agencies, years, seed, last)
        err = sys.stderr
        started = time.perf_counter()
        with click.progressbar(length=len(months_between(planner.start, last)), file=err,
                               label=f"recording {agencies} agencies from {planner.start}") as bar:
            outcome = run_demo(ledger, planner, progress=bar.update)
        seconds = time.perf_counter() - started
        click.echo(f"recorded {outcome.events} events in {seconds:.1f} s "
                   f"({outcome.events / max(seconds, 1e-9):,.0f} events/s)")
        for kind, count in sorted(outcome.recorded.items()):
            click.echo(f"  {kind:<13} {count}")
        if project:
            started = time.perf_counter()
            Projections(ledger).catch_up()
            click.echo(f"read models up to date in {time.perf_counter() - started:.1f} s")
        if outcome.refused:
            for (kind, error, message), count in sorted(outcome.refused.items()):
                click.echo(f"refused {count} x {kind}: {error} {message}", err=True)
            raise SystemExit(1)
    finally:
        ledger.close()


def months_between(first: date, last: date) -> list[str]:
    from ledger.projections.model.views import months_touched

    return months_touched(first, last)
