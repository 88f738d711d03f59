"""Signed checkpoints of the month publications, and PUBLICATIONS.json that carries them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.chain import decode_payload
from ledger.integrity.signing import Checkpoint, public_pem, sign_checkpoint
from ledger.integrity.verify import EVENTS_TABLE, verify

FORMAT = "assessment-ledger/publications/1"
PUBLICATION_TOPICS = ("%.MonthPublished", "%.MonthRepublished")
# (month, revision, position) -> digest of the standings as published, or None.
StandingsDigest = Callable[[str, int, int], str | None]


class PublicationsError(ValueError):
    """A publications file that cannot be read, or checkpoints that contradict each other."""


@dataclass(frozen=True)
class Publications:
    """The contents of a publications file: the signer's public key (PEM) and the checkpoints."""

    public_key: bytes | None
    checkpoints: tuple[Checkpoint, ...]


def checkpoint_publications(engine: sa.Engine, key: Ed25519PrivateKey,
                            known: Iterable[Checkpoint] = (),
                            standings_digest: StandingsDigest | None = None,
                            table: str = EVENTS_TABLE) -> list[Checkpoint]:
    """Sign a checkpoint for each month publication in the log that `known` lacks.

    Refuses to sign a damaged log: a signature must never vouch for tampered history.
    """
    report = verify(engine, table=table)
    if not report.verified:
        raise PublicationsError(f"the log is damaged at position "
                                f"{report.first_damaged_position}; nothing was signed")
    have = {(c.month, c.revision) for c in known}
    query = sa.text(f"SELECT id, seq, hash, state FROM {table} "
                    "WHERE topic LIKE :a OR topic LIKE :b ORDER BY id")
    with engine.connect() as conn:
        rows = conn.execute(query, dict(zip("ab", PUBLICATION_TOPICS))).all()
    signed = []
    for position, seq, head, state in rows:
        payload = decode_payload(state)
        month, revision = payload["month"], payload["revision"]
        if (month, revision) in have:
            continue
        digest = standings_digest(month, revision, position) if standings_digest else None
        signed.append(sign_checkpoint(key, month=month, revision=revision, position=position,
                                      seq=seq, head=head, standings_digest=digest))
    return signed


def merge(existing: Iterable[Checkpoint], incoming: Iterable[Checkpoint]) -> list[Checkpoint]:
    """The union by (month, revision); two different checkpoints for one publication is an error."""
    merged = {(c.month, c.revision): c for c in existing}
    for checkpoint in incoming:
        key = (checkpoint.month, checkpoint.revision)
        if key in merged and merged[key] != checkpoint:
            raise PublicationsError(f"two different checkpoints for {key[0]} revision {key[1]}: "
                                    "one of the logs or files was rewritten")
        merged.setdefault(key, checkpoint)
    return sorted(merged.values(), key=lambda c: (c.seq, c.month, c.revision))


def write_publications(path: Path, publications: Publications) -> None:
    """Write the file atomically (a reader never sees half of it)."""
    document = {"format": FORMAT,
                "public_key": publications.public_key.decode() if publications.public_key else None,
                "checkpoints": [asdict(c) for c in publications.checkpoints]}
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(partial, path)


def read_publications(path: Path) -> Publications:
    """Parse a publications file; PublicationsError names what is wrong with it."""
    try:
        document = json.loads(Path(path).read_text("utf-8"))
        if document.get("format") != FORMAT:
            raise PublicationsError(f"{path} is not a {FORMAT} file")
        pem = document.get("public_key")
        return Publications(pem.encode() if isinstance(pem, str) else None,
                            tuple(_checkpoint(item) for item in document["checkpoints"]))
    except PublicationsError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PublicationsError(f"cannot read {path}: {exc}") from exc


def _checkpoint(item: dict) -> Checkpoint:
    types = {"month": str, "revision": int, "position": int, "seq": int, "head": str,
             "standings_digest": (str, type(None)), "signed_at": str, "key_id": str,
             "signature": str}
    names = {f.name for f in fields(Checkpoint)}
    if set(item) != names:
        raise PublicationsError(f"checkpoint fields {sorted(item)} are not {sorted(names)}")
    for name, kind in types.items():
        if not isinstance(item[name], kind) or isinstance(item[name], bool):
            raise PublicationsError(f"checkpoint field {name} has a wrong type")
    return Checkpoint(**item)


def publications_for(key: Ed25519PrivateKey, checkpoints: Iterable[Checkpoint]) -> Publications:
    """A publications document signed by `key`, carrying its public key for identification."""
    return Publications(public_pem(key.public_key()), tuple(checkpoints))
