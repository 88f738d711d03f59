"""`ledger verify`, `ledger key generate`, `ledger checkpoint export|import`."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import click

from ledger.integrity.autosign import add_checkpoints
from ledger.integrity.finals import sign_finals
from ledger.integrity.publications import (
    Publications, PublicationsError, checkpoint_publications, merge,
    read_publications, write_publications,
)
from ledger.integrity.signing import (
    generate_key, load_private_key, load_public_key, public_pem, signature_valid,
)
from ledger.integrity.audit import audit
from ledger.integrity.inspection import describe
from ledger.integrity.inspection_cli import verify_all_plans
from ledger.integrity.last import store_result
from ledger.projections.store.health import stuck_read_models

EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


def _engine_of_ledger():
    from ledger.application import Ledger
    return Ledger()


def _caught_up_digests(ledger):
    """Digests of the frozen published standings, once the read models hold every publication."""
    from ledger.integrity.digest import published_digest
    from ledger.projections.store.runner import ASSESSMENTS, Projections

    Projections(ledger).catch_up(ASSESSMENTS)
    return lambda month, revision, _position: published_digest(ledger.engine, month, revision)


def _public_key(path: Path | None, publications: Publications):
    if path is not None:
        return load_public_key(path.read_bytes())
    if publications.public_key is None:
        raise click.UsageError("the publications file names no key; pass --public-key")
    click.echo("warning: checking signatures against the key inside the file; pass "
               "--public-key with the bureau's published key to rule out a re-signed file",
               err=True)
    return load_public_key(publications.public_key)


@click.command()
@click.option("--against", type=EXISTING, help="PUBLICATIONS.json: prove the log extends it.")
@click.option("--public-key", type=EXISTING, help="The bureau's public key (PEM).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-read-models", is_flag=True, help="Skip rebuilding and comparing the read models.")
def verify(against: Path | None, public_key: Path | None, as_json: bool,
           no_read_models: bool) -> None:
    """Check the hash chain, checkpoints and read models; exit 1 and name the damage."""
    checkpoints, key = (), None
    if against is not None:
        try:
            publications = read_publications(against)
        except PublicationsError as error:
            raise click.UsageError(str(error)) from None
        checkpoints, key = publications.checkpoints, _public_key(public_key, publications)
    ledger = _engine_of_ledger()
    try:
        started = datetime.now(UTC)
        stuck = stuck_read_models(ledger)
        report = audit(ledger, checkpoints, key, read_models=not no_read_models)
        try:  # what GET /api/v1/integrity answers from now on
            store_result(ledger.engine, report, started, "ledger verify")
        except Exception as error:  # noqa: BLE001 - the check itself stands
            click.echo(f"warning: the result could not be stored for the API: {error}",
                       err=True)
        plans = verify_all_plans(ledger)
    finally:
        ledger.close()
    plans_match = all(p.matches for p in plans)
    if as_json:
        click.echo(json.dumps({**asdict(report), "inspection_plans": [asdict(p) for p in plans],
                               "stuck_read_models": stuck}, indent=2))
    else:
        state = "verified" if report.verified else "DAMAGED"
        click.echo(f"{state}: {report.events} events, head {report.head}, "
                   f"{len(checkpoints)} publication checkpoint(s)")
        click.echo(f"checked: {report.checked}")
        if report.first_damaged_position is not None:
            click.echo(f"first damaged position: {report.first_damaged_position}")
        for problem in report.problems:
            click.echo(f"  position {problem.position}: {problem.kind}: {problem.detail}")
        for plan in plans:
            click.echo("\n".join(describe(plan)))
        for model in stuck:
            click.echo(f"read model {model['name']} STOPPED before position "
                       f"{model['position']}: {model['error']}")
    raise SystemExit(0 if report.verified and plans_match and not stuck else 1)


@click.group()
def key() -> None:
    """The bureau's Ed25519 signing key (kept outside the database)."""


@key.command("generate")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Private key file to create (mode 0600); PATH.pub gets the public key.")
def generate(out: Path) -> None:
    """Create a new signing key pair; never overwrites an existing key."""
    try:
        private, public = generate_key(out)
    except FileExistsError:
        raise click.ClickException(f"{out} exists; refusing to overwrite a key") from None
    click.echo(f"private key: {private}\npublic key: {public}")


@click.group()
def checkpoint() -> None:
    """Signed checkpoints of the month publications (PUBLICATIONS.json)."""


@checkpoint.command("export")
@click.option("--key", "key_path", required=True, type=EXISTING, help="Bureau private key.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export(key_path: Path, out: Path) -> None:
    """Sign every publication not yet in OUT and write OUT, keeping what it already holds."""
    private = load_private_key(key_path)
    ledger = _engine_of_ledger()
    try:
        known = read_publications(out).checkpoints if out.exists() else ()
        if any(not signature_valid(c, private.public_key()) for c in known):
            raise PublicationsError(f"{out} holds checkpoints not signed by this key")
        added = checkpoint_publications(ledger.engine, private, known,
                                        standings_digest=_caught_up_digests(ledger))
        added += sign_finals(ledger.engine, private, {(c.month, c.revision) for c in known})
        merged = add_checkpoints(out, private, added)  # under the lock the server takes too
    except PublicationsError as error:
        raise click.ClickException(str(error)) from None
    finally:
        ledger.close()
    click.echo(f"{len(merged) - len(known)} new checkpoint(s); {len(merged)} in {out}")


@checkpoint.command("import")
@click.argument("source", type=EXISTING)
@click.option("--into", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", required=True, type=EXISTING, help="The bureau's public key.")
def import_(source: Path, into: Path, public_key: Path) -> None:
    """Check SOURCE's signatures and merge its checkpoints into INTO (a third party's copy)."""
    pem = public_key.read_bytes()
    key_ = load_public_key(pem)
    try:
        incoming = read_publications(source).checkpoints
        bad = [c for c in incoming if not signature_valid(c, key_)]
        if bad:
            raise PublicationsError(f"{len(bad)} checkpoint(s) in {source} are not signed by "
                                    f"that key (first: {bad[0].month} r{bad[0].revision})")
        kept = read_publications(into).checkpoints if into.exists() else ()
        merged = merge(kept, incoming)
    except PublicationsError as error:
        raise click.ClickException(str(error)) from None
    write_publications(into, Publications(public_pem(key_), tuple(merged)))
    click.echo(f"{len(merged) - len(kept)} new checkpoint(s); {len(merged)} in {into}")


def add_integrity_commands(group: click.Group) -> None:
    """Register verify, key and checkpoint on the `ledger` group."""
    for command in (verify, key, checkpoint):
        group.add_command(command)
