"""The bureau's Ed25519 key and the checkpoints it signs: what the log's head was at a publication."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.integrity.chain import canonical_json

CONTEXT = b"assessment-ledger checkpoint v1\n"  # so a signature means nothing elsewhere


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: at this publication the log's seq-th event, at position, had hash head."""

    month: str
    revision: int
    position: int
    seq: int
    head: str
    standings_digest: str | None
    signed_at: str
    key_id: str = ""
    signature: str = ""

    def signed_bytes(self) -> bytes:
        fields = asdict(self)
        del fields["signature"]
        return CONTEXT + canonical_json(fields)


def generate_key(out: Path) -> tuple[Path, Path]:
    """Write a new private key to `out` (mode 0600, never overwritten) and its public key beside it."""
    out = Path(out)
    public_path = out.with_name(out.name + ".pub")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem(key.public_key()))
    return out, public_path


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, in hex: names the key that signed a checkpoint."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign_checkpoint(key: Ed25519PrivateKey, *, month: str, revision: int, position: int, seq: int,
                    head: str, standings_digest: str | None = None,
                    signed_at: datetime | None = None) -> Checkpoint:
    """A checkpoint signed with the bureau key."""
    when = (signed_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    unsigned = Checkpoint(month, revision, position, seq, head, standings_digest,
                          when.isoformat().replace("+00:00", "Z"), key_id(key.public_key()))
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
    return replace(unsigned, signature=signature)


def signature_valid(checkpoint: Checkpoint, key: Ed25519PublicKey) -> bool:
    """True when `key` signed exactly this checkpoint."""
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        key.verify(signature, checkpoint.signed_bytes())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return checkpoint.key_id == key_id(key)
