"""The benchmark's table, and its place in docs/PERFORMANCE.md."""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(f"{p} {version(p)}" for p in (
        "eventsourcing", "eventsourcing-sqlalchemy", "SQLAlchemy", "psycopg", "gunicorn"))
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB; Python "
            f"{platform.python_version()}; {versions}")


def table(rows: list[dict]) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"Run {stamp} on {machine()}.", ""]
    out += ["| scale / backend | events | demo events/s | decode floor events/s | "
            "rebuild events/s (both read models, side by side) | rebuild / floor | "
            "one after the other events/s | assessments alone events/s (/ floor) | "
            "event index alone events/s | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        g, b = r["generated"], r["rebuild"]
        out.append(f"| {r['scale']} ({g['agencies']} agencies x {g['years']} y) / {r['backend']} "
                   f"| {b['events']:,} | {g['rate']:,.0f} | {b['floor_rate']:,.0f} | "
                   f"{b['rebuild_rate']:,.0f} | {b['ratio']:.2f} | "
                   f"{b['one_after_other_rate']:,.0f} | {b['assessments_rate']:,.0f} "
                   f"({b['assessments_ratio']:.2f}) | {b['event_index_rate']:,.0f} "
                   f"| {b['rss_mb']:.0f} |")
    runs = ", ".join(f"{r['scale']}/{r['backend']}: {r['rebuild']['runs']}" for r in rows)
    out += ["", f"Rebuild figures are medians of the runs ({runs}), each in a fresh process "
            "that first measures its own decode floor, then rebuilds each read model alone, "
            "then both side by side (one process each, as `ledger rebuild` does).", ""]
    out += ["| read (ReadSide, in process) | " + " | ".join(
        f"{r['scale']}/{r['backend']} p50 / p99 ms" for r in rows) + " |",
        "|---|" + "---|" * len(rows)]
    labels = list(dict.fromkeys(label for r in rows for label in r["reads"]))
    for label in labels:
        out.append(f"| {label} | " + " | ".join(
            "{:.1f} / {:.1f} (n={})".format(*r["reads"][label]) if label in r["reads"] else "-"
            for r in rows) + " |")
    http_rows = [r for r in rows if "http" in r]
    if http_rows:
        out += ["", "| HTTP writes (`ledger serve`, 127.0.0.1) | workers | clients | accepted | "
                "failed | writes/s | p50 ms | p99 ms | read-your-writes lag p50 / p99 ms |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in http_rows:
            h = r["http"]
            out.append(f"| {r['backend']} | {h['workers']} | {h['clients']} | {h['accepted']} | "
                       f"{h['failed']} | {h['writes_per_s']:,.0f} | {h['p50_ms']:.1f} | "
                       f"{h['p99_ms']:.1f} | {h['lag_p50_ms']:.1f} / {h['lag_p99_ms']:.1f} "
                       f"(n={h['lag_samples']}) |")
    import_rows = [r["import"] for r in rows if "import" in r]
    if import_rows:
        out += ["", "| bulk import (`ledger import`, exchange XLSX into a new store) | events | "
                "rows | seconds | events/s | events/s checking and recording (without reading "
                "the workbook) |", "|---|---|---|---|---|---|"]
        for i in import_rows:
            out.append(f"| {i['backend']} | {i['events']:,} | {i['rows']:,} | {i['seconds']:.1f} "
                       f"| {i['rate']:,.0f} | {i['rate_checked']:,.0f} |")
    return "\n".join(out)


def write(path: str, text: str) -> None:
    """Replace the text between the markers (or append them with the text)."""
    file = Path(path)
    old = file.read_text() if file.exists() else "# Performance\n\n"
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in old and END in old:
        new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, old,
                     flags=re.S)
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    file.write_text(new)
