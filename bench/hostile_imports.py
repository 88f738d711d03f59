"""Peak memory of `ledger import` on three hostile workbooks (docs/IMPORT.md, "Limits").

    python -m bench.hostile_imports [--keep DIR]

Writes the three files (a 300 MB shared string as an agency's name; a `<dimension>` of
A1:XFD1048576 over 18,000 one-cell rows; 2,000,000 one-cell rows), then imports each in a
fresh process into a new SQLite store and prints one JSON line per file: its size, the
outcome, seconds, and the process's peak RSS before the import began and at its end.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CODE = "91341800H9EH9J1GRF"
MB = 1 << 20


def write(path: Path, sheet: list[bytes], shared: list[bytes] | None, title: str) -> None:
    rels = (f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                      f'<sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        book.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}'
                      "</Relationships>")
        for name, parts in (("xl/worksheets/sheet1.xml", sheet),
                            ("xl/sharedStrings.xml",
                             shared or [f'<sst xmlns="{MAIN}"/>'.encode()])):
            with book.open(name, "w", force_zip64=True) as stream:
                for part in parts:
                    stream.write(part)


def header(number: int) -> bytes:
    return (f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>统一社会信用代码</t></is></c>'
            f'<c r="B{number}" t="inlineStr"><is><t>机构名称</t></is></c>'
            f'<c r="C{number}" t="inlineStr"><is><t>登记日期</t></is></c></row>').encode()


def files(folder: Path) -> dict[str, Path]:
    start = f'<worksheet xmlns="{MAIN}">'.encode()
    huge = folder / "shared-string-300MB.xlsx"
    chunk = b"x" * MB
    write(huge, [start, b"<sheetData>", header(1),
                 f'<row r="2"><c r="A2" t="inlineStr"><is><t>{CODE}</t></is></c><c r="B2" t="s">'
                 '<v>0</v></c><c r="C2" t="inlineStr"><is><t>2022-01-01</t></is></c>'
                 "</row>".encode(),
                 b"</sheetData></worksheet>"],
          [f'<sst xmlns="{MAIN}"><si><t>'.encode(), *[chunk] * 300, b"</t></si></sst>"], "机构")
    dimension = folder / "dimension.xlsx"
    write(dimension, [start, b'<dimension ref="A1:XFD1048576"/><sheetData>', header(1),
                      *[b'<row><c t="n"><v>1</v></c></row>'] * 18_000,
                      b"</sheetData></worksheet>"], None, "机构")
    rows = folder / "rows-2M.xlsx"
    write(rows, [start, b"<sheetData>", header(1), *[b"<row><c><v>1</v></c></row>"] * 2_000_000,
                 b"</sheetData></worksheet>"], None, "机构")
    return {"300 MB shared string": huge, "huge <dimension>": dimension, "2 M rows": rows}


PROBE = """
import json, resource, sys, time
from ledger.application import Ledger
from ledger.domain.principals import Principal
from ledger.imports.run import import_file
ledger = Ledger(url="sqlite:///" + sys.argv[2])
ledger.recorder.max_notification_id()
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
start = time.perf_counter()
try:
    report = import_file(ledger, Principal("li.regulator", "regulator"), data, sys.argv[1])
    outcome = {"recorded": report.recorded, "events": report.events,
               "refused": [r.message[:160] for r in report.refused[:2]]}
except Exception as error:
    outcome = {"error": type(error).__name__, "message": str(error)[:160]}
print(json.dumps({"rss_before_mb": before, "seconds": round(time.perf_counter() - start, 2),
                  "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  **outcome}, ensure_ascii=False))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for name, path in files(folder).items():
            store = Path(scratch) / f"{path.stem}.sqlite3"
            out = subprocess.run([sys.executable, "-c", PROBE, str(path), str(store)],
                                 capture_output=True, text=True, check=False)
            line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-300:]
            print(json.dumps({"file": name, "bytes": path.stat().st_size}, ensure_ascii=False)
                  [:-1] + ", " + line.lstrip("{"))


if __name__ == "__main__":
    main()
