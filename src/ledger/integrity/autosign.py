"""Sign a checkpoint as each month is published, when the bureau's key is configured."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.digest import published_digest
from ledger.integrity.publications import (
    PublicationsError, merge, publications_for, read_publications, write_publications,
)
from ledger.integrity.signing import Checkpoint, load_private_key, sign_checkpoint, signature_valid
from ledger.integrity.verify import EVENTS_TABLE

KEY_VARIABLE, FILE_VARIABLE = "LEDGER_SIGNING_KEY", "LEDGER_PUBLICATIONS_FILE"


def _statement(c: Checkpoint) -> tuple:
    return c.month, c.revision, c.position, c.seq, c.head, c.standings_digest


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside `path` so several workers never interleave their writes."""
    with open(Path(path).with_name(Path(path).name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def add_checkpoints(path: Path, key: Ed25519PrivateKey, new: list[Checkpoint]) -> list[Checkpoint]:
    """Merge `new` into the file at `path` (created if absent); every earlier checkpoint is kept."""
    with file_lock(path):
        known = read_publications(path).checkpoints if Path(path).exists() else ()
        if any(not signature_valid(c, key.public_key()) for c in known):
            raise PublicationsError(f"{path} holds checkpoints not signed by this key")
        # The same statement signed twice (an export racing a publication) is not a rival.
        have = {_statement(c) for c in known}
        merged = merge(known, [c for c in new if _statement(c) not in have])
        write_publications(path, publications_for(key, merged))
        return merged


@dataclass(frozen=True)
class PublicationSigner:
    """The bureau's key (kept outside the database) and the publications file it adds to."""

    key: Ed25519PrivateKey
    path: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> PublicationSigner | None:
        """The signer LEDGER_SIGNING_KEY and LEDGER_PUBLICATIONS_FILE name; None when unset."""
        key, path = env.get(KEY_VARIABLE), env.get(FILE_VARIABLE)
        if not key and not path:
            return None
        if not (key and path):
            raise ValueError(f"set both {KEY_VARIABLE} and {FILE_VARIABLE}, or neither")
        return cls(load_private_key(Path(key)), Path(path))

    def sign(self, engine: sa.Engine, month: str, revision: int, position: int) -> Checkpoint:
        """Sign the publication event at `position` with the standings frozen by it."""
        with engine.connect() as conn:
            row = conn.execute(sa.text(f"SELECT seq, hash FROM {EVENTS_TABLE} WHERE id = :p"),
                               {"p": position}).one()
        checkpoint = sign_checkpoint(self.key, month=month, revision=revision,
                                     position=position, seq=row.seq, head=row.hash,
                                     standings_digest=published_digest(engine, month, revision))
        add_checkpoints(self.path, self.key, [checkpoint])
        return checkpoint
