"""A ledger whose today is fixed, on each backend, and a check that a refusal records nothing."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest

from ledger.application import Ledger

TODAY = date(2023, 6, 30)


@pytest.fixture
def app(database_url) -> Ledger:
    ledger = Ledger(url=database_url, today=lambda: TODAY)
    yield ledger
    ledger.close()


@pytest.fixture
def refuses(app):
    """`with refuses(RuleViolation, "pattern"):` — the command raises and the log is unchanged."""

    @contextmanager
    def check(error: type[Exception], match: str | None = None):
        before = app.recorder.max_notification_id()
        with pytest.raises(error, match=match) as info:
            yield info
        assert app.recorder.max_notification_id() == before

    return check
