"""Whether each read model keeps up with the log: the check `ledger verify` makes."""

from __future__ import annotations

from typing import Any

from ledger.projections.store.failures import ProjectionFailed
from ledger.projections.store.failures import describe
from ledger.projections.store.runner import NAMES, Projections


def stuck_read_models(ledger: Any) -> list[dict]:
    """Catch every read model up; those that fail or stay behind, with position and error.

    Each problem: `name`, `position` (the event it stopped before) and `error`.
    """
    runner = Projections(ledger)
    head = runner.head()
    errors: dict[str, str] = {}
    for name in NAMES:
        try:
            runner.catch_up(name, until=head)
        except ProjectionFailed:
            pass  # kept as the read model's failure, read back below
        except Exception as error:  # noqa: BLE001 - reported, with the exit status
            errors[name] = describe(error)
    problems = []
    for status in runner.status():
        name, failure = status["name"], status["failure"]
        if failure:
            problems.append({"name": name, "position": failure["position"],
                             "error": failure["error"]})
        elif status["position"] < head and status["status"] != "rebuilding":
            problems.append({"name": name, "position": status["position"] + 1,
                             "error": errors.get(name, f"behind the log: at position "
                                                       f"{status['position']} of {head}")})
    return problems
