"""Bulk import speed: a deterministic exchange file of about N events imported into a new store.

The file is what `ledger import` reads (docs/IMPORT.md): the demo planner's history (seed 1,
up to datasets.UNTIL) written as exchange sheets — agencies; deductions with their
rectification or withdrawal; attendance, one session held per session named; secondments
with their end — cut after the row that reaches N events. Disputes, ratings, provincial
scores and publications are not exchanged. The XLSX is written once and reused from
/tmp/ledger-bench; a CSV (deductions only) is a single sheet and so cannot carry the mix.

`python -m bench.imports [--events N] [--backend sqlite|postgres]` prints one JSON line per
backend; `python -m bench` puts the figures in its table.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections import defaultdict
from decimal import Decimal

from bench import datasets
from ledger.application import Ledger
from ledger.bulk_tuning import bulk_collection
from ledger.demo.plan import Planner
from ledger.domain.principals import REGULATOR, Principal
from ledger.imports.layout import (
    AGENCIES, ATTENDANCE, DEDUCTIONS, SECONDMENTS, SHEET_NAMES, TRAINING_NAMES, headers,
)
from ledger.imports.reader import read_sheets
from ledger.imports.run import import_file

EVENTS = 100_000
YEARS = 2
EVENTS_PER_AGENCY = 45  # exchanged events per agency over YEARS years of demo history, roughly
IMPORTER = Principal("li.regulator", REGULATOR)


def exchange_rows(events: int, seed: int = datasets.SEED) -> tuple[dict[str, list[list]], int]:
    """Rows of each exchange sheet for about `events` events, and the exact event count."""
    ops = Planner(max(5, events // EVENTS_PER_AGENCY), YEARS, seed, datasets.UNTIL).ops()
    later = {op.fields["ded"]: op for op in ops if op.kind in ("rectify", "withdraw")}
    ended = {op.fields["sec"]: op.fields["ended_on"] for op in ops if op.kind == "second_end"}
    sessions = {op.fields["ref"]: op.fields for op in ops if op.kind == "session"}
    rows: dict[str, list[list]] = defaultdict(list)
    held: set[str] = set()
    count = 0
    for op in ops:
        if count >= events:
            break
        f = op.fields
        if op.kind == "register":
            rows[AGENCIES].append([f["code"], f["name"], f["registered_on"]])
            count += 1
        elif op.kind == "deduct":
            after = later.get(f["ref"])
            rectified = after.fields if after is not None and after.kind == "rectify" else {}
            withdrawn = after.fields if after is not None and after.kind == "withdraw" else {}
            rows[DEDUCTIONS].append([f["code"], f["rule_code"], f["found_on"], f["notified_on"],
                                     f["reason"], f["project_ref"], rectified.get("completed_on"),
                                     rectified.get("note"), withdrawn.get("reason")])
            count += 1 + (after is not None)
        elif op.kind == "attend":
            s = sessions[f["sess"]]
            rows[ATTENDANCE].append([f["sess"], TRAINING_NAMES[s["kind"]], s["held_on"],
                                     s["topic"], s["hours"], f["agency"], f["staff_ref"],
                                     f["staff_name"]])
            count += 1 + (f["sess"] not in held)
            held.add(f["sess"])
        elif op.kind == "second_start":
            rows[SECONDMENTS].append([f["agency"], f["staff_ref"], f["staff_name"],
                                      f["department"], f["started_on"], ended.get(f["ref"])])
            count += 1 + (f["ref"] in ended)
    return dict(rows), count


def xlsx_value(value: object) -> object:
    """Cells as the exporter writes them: dates as text, exact decimals as numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def workbook(rows: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for kind in (AGENCIES, DEDUCTIONS, ATTENDANCE, SECONDMENTS):
        sheet = book.create_sheet(SHEET_NAMES[kind])
        sheet.append(headers(kind))
        for row in rows.get(kind, []):
            sheet.append([xlsx_value(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def exchange_file(events: int = EVENTS) -> tuple[bytes, int]:
    """The XLSX of about `events` events (cached under /tmp/ledger-bench) and its event count."""
    datasets.WORK.mkdir(parents=True, exist_ok=True)
    path, meta = (datasets.WORK / f"import_{events}.xlsx",
                  datasets.WORK / f"import_{events}.json")
    if path.exists() and meta.exists():
        return path.read_bytes(), json.loads(meta.read_text())["events"]
    rows, count = exchange_rows(events)
    data = workbook(rows)
    path.write_bytes(data)
    meta.write_text(json.dumps({"events": count, "rows": {k: len(v) for k, v in rows.items()}}))
    return data, count


def import_rate(backend: str, events: int = EVENTS) -> dict:
    """Import the exchange file into a new store: events, rows, seconds and events/s.

    `seconds` is the whole `import_file` call (reading the workbook, checking every row,
    recording all in one transaction); `read_seconds` the workbook reading alone, measured
    separately, so `rate_checked` is the rate of checking and recording.
    """
    data, expected = exchange_file(events)
    started = time.perf_counter()
    read_sheets(data, "exchange.xlsx")
    read_seconds = time.perf_counter() - started
    ledger = Ledger(url=datasets.fresh(backend, "import"))
    try:
        started = time.perf_counter()
        with bulk_collection():  # as `ledger import` runs it
            report = import_file(ledger, IMPORTER, data, "exchange.xlsx")
        seconds = time.perf_counter() - started
        head = ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()
    if not report.recorded or report.events != expected or head != expected:
        raise RuntimeError(f"import of {expected} events recorded {report.events} "
                           f"(head {head}); refused: {report.refused[:3]}")
    return {"backend": backend, "events": report.events, "rows": report.rows,
            "seconds": seconds, "rate": report.events / seconds, "read_seconds": read_seconds,
            "rate_checked": report.events / max(seconds - read_seconds, 1e-9)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args(argv)
    for backend in args.backend or ["sqlite", "postgres"]:
        print(json.dumps(import_rate(backend, args.events)), flush=True)


if __name__ == "__main__":
    main()
