"""Hand-made XLSX files, written part by part, for what Excel would never write."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from ledger.imports.layout import DEDUCTIONS, headers

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
A = "91341800H9EH9J1GRF"


def cells(number: int, values: Iterable[object]) -> str:
    """A row of inline strings (numbers as numbers), columns A, B, C…"""
    out = []
    for i, value in enumerate(values):
        ref = f"{chr(65 + i)}{number}"
        if isinstance(value, (int, float)):
            out.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def deduction_sheet(*rows: str, dimension: str = "A1:I3") -> list[bytes]:
    """A deductions sheet: its header row, then the rows given (XML text)."""
    return [f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'.encode(),
            cells(1, headers(DEDUCTIONS)).encode(), *(r.encode() for r in rows),
            b"</sheetData></worksheet>"]


def xlsx(sheet: Iterable[bytes], shared: Iterable[bytes] | None = None,
         title: str = "扣分") -> bytes:
    """A one-sheet workbook from its sheet XML (and shared strings XML), written in chunks."""
    out = io.BytesIO()
    rels = (f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            + (f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
               if shared is not None else ""))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                      f'<sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>')
        book.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}'
                      "</Relationships>")
        for name, parts in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared)):
            if parts is not None:
                with book.open(name, "w", force_zip64=True) as stream:
                    for part in parts:
                        stream.write(part)
    return out.getvalue()


def shared_strings(*strings: str, huge: int = 0) -> list[bytes]:
    """A shared string table; with `huge`, a last string of that many characters, in chunks."""
    out = [f'<sst xmlns="{MAIN}">'.encode()]
    out += [f"<si><t>{escape(s)}</t></si>".encode() for s in strings]
    if huge:
        out.append(b"<si><t>")
        chunk = b"x" * (1 << 20)
        out += [chunk] * (huge // len(chunk)) + [b"x" * (huge % len(chunk))]
        out.append(b"</t></si>")
    out.append(b"</sst>")
    return out
