"""The whole check: the hash chain, signed checkpoints, published standings, the read models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity.digest import published_digest
from ledger.integrity.finals import final_problems
from ledger.integrity.readcheck import ReadCheck, compare_read_models
from ledger.integrity.signing import Checkpoint, signature_valid
from ledger.integrity.verify import MAX_PROBLEMS, Problem, Report, verify


def _standings_problems(ledger: Any, checkpoints: Iterable[Checkpoint],
                        key: Ed25519PublicKey | None, read: ReadCheck) -> list[Problem]:
    """Each signed standings digest against the stored and the rebuilt published standings."""
    found = []
    for c in checkpoints:
        if c.standings_digest is None or key is None or not signature_valid(c, key):
            continue
        name = f"publication {c.month} r{c.revision}"
        stored = published_digest(ledger.engine, c.month, c.revision)
        if stored is not None and stored != c.standings_digest:
            found.append(Problem(c.position, "standings", f"the standings of {name} as stored "
                                 "no longer hash to the signed digest"))
        rebuilt = read.rebuilt_digests.get((c.month, c.revision))
        if rebuilt is not None and rebuilt != c.standings_digest:
            found.append(Problem(c.position, "standings", f"the events no longer produce the "
                                 f"standings signed for {name}"))
    return found


def audit(ledger: Any, checkpoints: Iterable[Checkpoint] | None = None,
          public_key: Ed25519PublicKey | None = None, read_models: bool = True) -> Report:
    """verify() on the ledger's log, then its read models and published standings."""
    checkpoints = tuple(checkpoints or ())
    report = verify(ledger.engine, checkpoints, public_key)
    trusted = [c for c in checkpoints if public_key is not None and signature_valid(c, public_key)]
    finals = [Problem(position, "final", detail)
              for position, detail in final_problems(ledger.engine, trusted)]
    if finals:
        report = replace(report, problems=(report.problems + tuple(finals))[:MAX_PROBLEMS],
                         verified=False)
    if not read_models:
        return report
    read = compare_read_models(ledger)
    problems = [Problem(position, "projection", detail) for position, detail in read.differences]
    problems += _standings_problems(ledger, checkpoints, public_key, read)
    checked = f"hash chain of {report.events} events"
    if checkpoints:
        checked += f", {len(checkpoints)} signed checkpoint(s)"
    return replace(report, problems=(report.problems + tuple(problems))[:MAX_PROBLEMS],
                   verified=report.verified and not problems and read.match is not False,
                   projections_match=read.match, checked=f"{checked}; {read.checked}")
