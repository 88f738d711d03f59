"""A CSV file's bytes as text: UTF-8 (with or without BOM), else GB18030 (which includes GBK).

Excel and WPS on Chinese Windows save "CSV (逗号分隔)" in the system's code page (GBK, read as
its superset GB18030) and "CSV UTF-8（逗号分隔）" as UTF-8 with a BOM. A strict UTF-8 decode is
tried first: Chinese text in GBK is almost never valid UTF-8 (its two-byte characters would
have to form UTF-8's lead/continuation pattern throughout), so a file that decodes strictly is
UTF-8. Anything that is neither (UTF-16 "Unicode text", a binary, a workbook saved as .csv, a
file cut in the middle of a character) is refused with what to do instead.
"""

from __future__ import annotations

from ledger.imports.limits import UnreadableFile

SAVE_AS = ("请在 Excel 或 WPS 中打开该文件，另存为“CSV UTF-8（逗号分隔）(*.csv)”或"
           "“Excel 工作簿 (*.xlsx)”后再导入。")
BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32",
        b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}
GB18030_BOM = b"\x84\x31\x95\x33"


def csv_text(data: bytes, name: str) -> str:
    """The file's text, or UnreadableFile saying which encoding it has and what to do."""
    for bom, encoding in BOMS.items():
        if data.startswith(bom):
            raise UnreadableFile(f"{name} 是 {encoding} 编码（Excel 的“Unicode 文本”），无法导入。"
                                 + SAVE_AS)
    head = data[:4096]
    if head and head.count(0) * 4 > len(head):
        raise UnreadableFile(f"{name} 含有大量空字节，是 UTF-16 文本或二进制文件，不是 CSV。" + SAVE_AS)
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableFile(f"{name} 其实是 XLSX 工作簿：请把文件扩展名改为 .xlsx 后再导入。")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(f"{name} 是旧版 Excel 97-2003 (.xls) 文件。" + SAVE_AS)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.removeprefix(GB18030_BOM).decode("gb18030")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"{name} 既不是 UTF-8 也不是 GBK/GB18030 编码（第 {error.start + 1} 个字节起无法识别），"
            "无法导入。" + SAVE_AS) from None
