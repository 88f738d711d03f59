"""`ledger rebuild` and `ledger project`: operate the read models from the command line."""

from __future__ import annotations

import signal
import threading

import click

from ledger.projections.runner import NAMES


def add_projection_commands(group: click.Group) -> None:
    """Register the projection commands on the `ledger` group."""
    group.add_command(rebuild)
    group.add_command(project)


@click.command()
@click.argument("names", nargs=-1, type=click.Choice(NAMES))
def rebuild(names: tuple[str, ...]) -> None:
    """Rebuild projections from the first event (all when none is named), with progress."""
    from ledger.application import Ledger
    from ledger.projections.runner import Projections

    ledger = Ledger()
    try:
        runner = Projections(ledger)
        for name in names or NAMES:
            total = max(1, runner.head())
            with click.progressbar(length=total, label=f"rebuilding {name}",
                                   file=click.get_text_stream("stderr")) as bar:
                done = {"at": 0}

                def progress(position: int, head: int) -> None:
                    bar.length = max(bar.length, head)
                    bar.update(position - done["at"])
                    done["at"] = position
                gen = runner.rebuild(name, progress=progress)
            click.echo(f"{name}: generation {gen} active at position {runner.active(name)[1]}")
    finally:
        ledger.close()


@click.command()
@click.option("--interval", default=0.5, show_default=True, help="Seconds between polls.")
def project(interval: float) -> None:
    """Follow the log and keep every projection up to date until interrupted."""
    from ledger.application import Ledger
    from ledger.projections.runner import Projections

    ledger = Ledger()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        Projections(ledger).follow(stop, interval)
    except KeyboardInterrupt:
        pass
    finally:
        ledger.close()
