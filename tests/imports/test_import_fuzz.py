"""Mangled workbooks and CSV files: refused as a file or by row, never an unexpected exception."""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date

from bench.imports import exchange_rows, workbook
from ledger.domain.principals import Principal
from ledger.imports.reader import UnreadableFile, read_sheets
from ledger.imports.run import import_file

IMPORTER = Principal("li.regulator", "regulator")
HOSTILE = ['<', '&', '&#0;', '"', ' t="s"', ' t="n"', ' t="b"', ' t="d"', ' t="e"', ' r="ZZZZZZZ2"',
           ' r="A0"', ' r="XFD9"', ' s="99999"', ' s="-1"', '<v>NaN</v>', '<v>1e999</v>',
           '<v>-1</v>', '<v>99999999999</v>', '<v>4.5</v>', '</row><row r="99999999">',
           '<c r="CZ2" t="inlineStr"><is><t>x</t></is></c>', '\x00', '\udcff', '᠎', '\u2028',
           '<v>2</v>', '<rPh><t>ふりがな</t></rPh>', '<is>', '</c>', '<!--', ']]>']


VALUES = ["NaN", "inf", "-0", "1e999", "99999999999", "x", "", "2.5", "-1", "0", "1",
          "2022-02-30", "T12:00", "1" * 5000]
SWAPS = [(re.compile(r"<v>[^<]*</v>"), lambda rng: f"<v>{rng.choice(VALUES)}</v>"),
         (re.compile(r' r="[A-Z]+[0-9]+"'), lambda rng: rng.choice(
             [' r="ZZZZZZZ2"', ' r="A0"', ' r="XFD9"', ' r="CW3"', ' r="a1"', ""])),
         (re.compile(r' t="[a-zA-Z]+"'),
          lambda rng: f' t="{rng.choice("s n b d e str inlineStr x".split())}"'),
         (re.compile(r' s="[0-9]+"'),
          lambda rng: rng.choice([' s="99999"', ' s="-1"', ' s="1"', ""])),
         (re.compile(r"<t>[^<]*</t>"),
          lambda rng: rng.choice(["<t></t>", "<t>\u2028x</t>", "<t>" + "长" * 4001 + "</t>"])),
         (re.compile(r'<dimension ref="[^"]*"/>'), lambda rng: '<dimension ref="A1:XFD1048576"/>')]


def swapped(data: bytes, rng: random.Random) -> bytes:
    """The workbook, well formed, with some values, references, types and styles swapped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            text = zin.read(item.filename).decode("utf-8")
            for pattern, make in SWAPS:
                text = pattern.sub(lambda m: make(rng) if rng.random() < 0.05 else m.group(0), text)
            zout.writestr(item, text.encode("utf-8"))
    return out.getvalue()


def mangled(data: bytes, rng: random.Random) -> bytes:
    """The workbook with a few hostile strings put into its XML parts at random places."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename.startswith("xl/") and rng.random() < 0.7:
                text = body.decode("utf-8")
                for _ in range(rng.randint(1, 4)):
                    at = rng.randrange(len(text))
                    text = text[:at] + rng.choice(HOSTILE) + text[at:]
                body = text.encode("utf-8", "surrogatepass")
            zout.writestr(item, body)
    return out.getvalue()


def test_mangled_files_are_refused_or_imported_never_crash(ledger):
    ledger.register_agency(IMPORTER, "91341800H9EH9J1GRF", "敬亭招标", date(2022, 1, 1))
    sheets, _ = exchange_rows(60)
    book, rng = workbook(sheets), random.Random(17)
    csv_text = "统一社会信用代码,扣分项,发现日期,事由,学时\n91341800H9EH9J1GRF,D01,2022-03-01,x,2\n"
    for attempt in range(120):
        if attempt % 3 == 1:
            data, name = mangled(book, rng), "mangled.xlsx"
        elif attempt % 3 == 2:
            data, name = swapped(book, rng), "swapped.xlsx"
        else:
            raw = bytearray(csv_text.encode(rng.choice(["utf-8", "gbk", "utf-8-sig"])))
            for _ in range(rng.randint(1, 6)):
                raw.insert(rng.randrange(len(raw)), rng.randrange(256))
            data, name = bytes(raw), "mangled.csv"
        try:
            read_sheets(data, name)
        except UnreadableFile:
            continue
        report = import_file(ledger, IMPORTER, data, name)  # refusals are reported, not raised
        assert report.rows >= len(report.refused)
