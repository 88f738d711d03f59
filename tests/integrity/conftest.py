"""A ledger with a short log, and the bureau's key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import REGULATOR, REGULATOR_2

EVENTS = 12


def write_events(ledger, count: int) -> list[int]:
    """Record `count` training sessions by two regulators; their positions."""
    return [ledger.hold_training_session(REGULATOR if i % 2 else REGULATOR_2, "online",
                                         date(2023, 1, 1 + i % 28), f"Topic {i}",
                                         Decimal("1.5")).position
            for i in range(count)]


@pytest.fixture
def log(ledger) -> list[int]:
    """The positions of a log of EVENTS events."""
    return write_events(ledger, EVENTS)


@pytest.fixture(scope="session")
def bureau_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()
