"""CPU of the `assessments` fold alone, with history, over a log decoded beforehand:
`python -m bench.fold_cpu URL`.

Prints the fold's CPU seconds in all and those of each versioner (`fold.VERSIONERS`: history
rows, evaluations), and the number of row versions made. Nothing is written: it measures the
pure fold (default garbage collection, the model frozen before folding), without SQL.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from typing import Any

from ledger.application import Ledger
from ledger.projections.model import fold
from ledger.projections.store.bulk import READ_CHUNK
from ledger.projections.store.runner import Projections


def main(url: str) -> None:
    ledger = Ledger(url=url)
    runner = Projections(ledger)
    events: list[tuple[int, Any]] = []
    with runner.engine.connect() as conn:
        after = 0
        while rows := runner.fetch(conn, after, READ_CHUNK):
            events += runner.decode(rows)
            after = rows[-1][0]
    spent = [0.0] * len(fold.VERSIONERS)

    def timed(index: int, versioner: fold.Versioner) -> fold.Versioner:
        def run(*args: Any) -> list:
            started = time.process_time()
            found = versioner(*args)
            spent[index] += time.process_time() - started
            return found
        return run

    original = list(fold.VERSIONERS)
    fold.VERSIONERS[:] = [timed(i, v) for i, v in enumerate(original)]
    try:
        gc.freeze()
        model = fold.LedgerModel(history=True)
        model.complete = True
        made, started = 0, time.process_time()
        for position, event in events:
            made += len(model.apply(position, event).versions)
        total = time.process_time() - started
    finally:
        fold.VERSIONERS[:] = original
    print(json.dumps({"events": len(events), "fold_cpu_s": round(total, 2),
                      "versioners_cpu_s": [round(s, 2) for s in spent], "versions": made}))
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1])
