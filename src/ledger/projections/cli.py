"""`ledger rebuild` and `ledger project`: operate the read models from the command line."""

from __future__ import annotations

import signal
import threading

import click

from ledger.projections.store.runner import NAMES


def add_projection_commands(group: click.Group) -> None:
    """Register the projection commands on the `ledger` group."""
    group.add_command(rebuild)
    group.add_command(project)


@click.command()
@click.argument("names", nargs=-1, type=click.Choice(NAMES))
@click.option("--one-at-a-time", is_flag=True,
              help="Rebuild the projections one after another in this process, instead of "
                   "one process each at the same time.")
def rebuild(names: tuple[str, ...], one_at_a_time: bool) -> None:
    """Rebuild projections from the first event (all when none is named), with progress."""
    from ledger.application import Ledger
    from ledger.projections.store.runner import Projections

    names = names or NAMES
    ledger = Ledger()
    try:
        runner = Projections(ledger)
        url = ledger.engine.url
        in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        if len(names) > 1 and not one_at_a_time and not in_memory:  # others could not see it
            _rebuild_side_by_side(ledger, runner, names)
            return
        for name in names:
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


def _rebuild_side_by_side(ledger, runner, names: tuple[str, ...]) -> None:
    from ledger.projections.store.parallel import rebuild_all

    url = ledger.engine.url.render_as_string(hide_password=False)
    total = max(1, runner.head()) * len(names)
    with click.progressbar(length=total, label=f"rebuilding {', '.join(names)}",
                           file=click.get_text_stream("stderr")) as bar:
        done = {"at": 0}

        def progress(position: int) -> None:
            bar.update(max(0, position - done["at"]))
            done["at"] = max(done["at"], position)
        rebuild_all(url, names, progress)
        bar.update(max(0, total - done["at"]))
    for name in names:
        gen, position = runner.active(name)
        click.echo(f"{name}: generation {gen} active at position {position}")


@click.command()
@click.option("--interval", default=0.5, show_default=True, help="Seconds between polls.")
def project(interval: float) -> None:
    """Follow the log and keep every projection up to date until interrupted."""
    from ledger.application import Ledger
    from ledger.projections.store.runner import Projections

    ledger = Ledger()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        Projections(ledger).follow(stop, interval)
    except KeyboardInterrupt:
        pass
    finally:
        ledger.close()
