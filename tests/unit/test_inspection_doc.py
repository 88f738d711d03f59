"""docs/INSPECTION.md's worked example, recomputed: its seed, hashes, order and teams."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from ledger.domain.inspection import AgencyFacts, DrawInputs, Inspector, draw

DOC = (Path(__file__).resolve().parents[2] / "docs" / "INSPECTION.md").read_text("utf-8")
SEED_TEXT = "福彩3D 2025050期 开奖号码 3 8 1"
HEAD_HASH = "0d53f08678d8101b0c7e5053b30224fc671c55051770ba18207435ead7ad37bd"
NEW = "91341800H9EH9J1GRF"
OTHERS = ["91341800NNDMLAR0UG", "91341800WQD9LLEHT2", "913418000000000011", "913418000000000024"]
INSPECTORS = [("张伟", ()), ("李娜", ()), ("王芳", ("913418000000000024",))]
TEAM_SIZE = 2


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def block(after: str) -> str:
    """The first fenced text block after a heading line of the doc."""
    return re.search(re.escape(after) + r".*?```text\n(.*?)```", DOC, re.S).group(1)


SEED = sha(f"2025|2025-03-03|{SEED_TEXT}|{HEAD_HASH}")


def test_the_docs_inputs_and_seed_are_the_ones_computed():
    assert f"`seed_text` = `{SEED_TEXT}`" in DOC and f"`head_hash` = `{HEAD_HASH}`" in DOC
    assert f"seed = {SEED}" in block("种子：")
    assert f"printf '%s' '2025|2025-03-03|{SEED_TEXT}|{HEAD_HASH}' | sha256sum" in DOC


def test_the_docs_agency_order_is_the_sha256_ranking():
    k = math.ceil(Fraction(1, 2) * len(OTHERS))
    ranked = sorted(OTHERS, key=lambda c: sha(f"{SEED}|{c}"))
    expected = [f"{i}. {c}  {sha(f'{SEED}|{c}')}" + ("  抽中" if i <= k else "")
                for i, c in enumerate(ranked, start=1)]
    assert block("四家机构的排序哈希").strip().splitlines() == expected


def test_the_docs_teams_are_the_sha256_ranking_with_conflicts_skipped():
    lines = []
    for agency in [NEW, *sorted(OTHERS, key=lambda c: sha(f"{SEED}|{c}"))[:2]]:
        ranked = sorted(INSPECTORS, key=lambda i: sha(f"{SEED}|{agency}|{i[0]}"))
        for index, (name, conflicts) in enumerate(ranked):
            head = agency if index == 0 else " " * len(agency)
            line = f"{head}  {name} {sha(f'{SEED}|{agency}|{name}')}"
            lines.append(line + ("  回避，跳过" if agency in conflicts else ""))
    assert block("检查组（").strip().splitlines() == lines


def test_the_docs_result_is_what_the_ledgers_draw_gives():
    facts = [AgencyFacts(NEW, date(2024, 5, 1), None, False, {}, {})] + [
        AgencyFacts(c, date(2020, 1, 1), None, False, {}, {}) for c in OTHERS]
    result = draw(DrawInputs(2025, date(2025, 3, 3), Decimal("0.5"), SEED_TEXT,
                             tuple(Inspector(n, c) for n, c in INSPECTORS), 1024, HEAD_HASH,
                             TEAM_SIZE), facts)
    assert result.seed == SEED
    shown = {"new_agency": "重点检查：新设立机构", "random": "随机抽取"}
    lines = [f"{s.agency} {shown[s.reasons[0]]} 检查组：{'、'.join(s.team)}"
             for s in result.selected]
    assert [re.sub(r"\s+", " ", x) for x in block("结果（").strip().splitlines()] == lines
