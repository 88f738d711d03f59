"""The versioned deduction catalogue: which item, how many points, on which day."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from ledger.domain.errors import Conflicting, collect

SERIOUS_CODES = frozenset({"D05", "D07", "D10", "D12", "D18"})
NOT_RECTIFIABLE_CODES = frozenset({"D17", "D18"})


@dataclass(frozen=True)
class RuleItem:
    """One deduction item as a version of the rule set defines it."""

    code: str
    title: str
    points: Decimal
    serious: bool
    rectifiable: bool

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "title": self.title,
            "points": self.points,
            "serious": self.serious,
            "rectifiable": self.rectifiable,
        }

    @classmethod
    def from_dict(cls, raw: dict) -> "RuleItem":
        return cls(
            code=raw["code"],
            title=raw["title"],
            points=Decimal(str(raw["points"])),
            serious=bool(raw["serious"]),
            rectifiable=bool(raw["rectifiable"]),
        )


@dataclass(frozen=True)
class RuleSetVersion:
    """A version of the rule set: its id, the day it takes effect, and its items."""

    version: str
    effective_from: date
    items: dict[str, RuleItem]


@lru_cache(maxsize=1)
def shipped_versions() -> tuple[RuleSetVersion, ...]:
    """The versions that ship with the ledger (2022.1 and 2022.2)."""
    text = resources.files("ledger.domain.data").joinpath("rulesets.json").read_text()
    raw = json.loads(text)
    versions = []
    for spec in raw["versions"]:
        vid = spec["version"]
        items = {
            item["code"]: RuleItem(
                code=item["code"],
                title=item["title"],
                points=Decimal(str(item["points"][vid])),
                serious=item["code"] in SERIOUS_CODES,
                rectifiable=item["code"] not in NOT_RECTIFIABLE_CODES,
            )
            for item in raw["items"]
        }
        versions.append(RuleSetVersion(vid, date.fromisoformat(spec["effective_from"]), items))
    return tuple(versions)


@lru_cache(maxsize=1)
def chinese_titles() -> dict[str, str]:
    """Each shipped item's Chinese title (DOMAIN's list), keyed by code."""
    raw = json.loads(resources.files("ledger.domain.data").joinpath("rulesets.json").read_text())
    return {item["code"]: item["title_zh"] for item in raw["items"]}


def rule_title(code: str) -> str:
    """The Chinese title shown beside a code (D05 → 设置差别歧视性条款); "" for a code without one."""
    return chinese_titles().get(code, "")


def coded(code: str) -> str:
    """A code with its Chinese title, as exports and trails write it: `D05 设置差别歧视性条款`."""
    title = rule_title(code)
    return f"{code} {title}" if title else code


class Catalogue:
    """All versions in force, shipped and published, ordered by effective date."""

    def __init__(self, published: tuple[RuleSetVersion, ...] = ()) -> None:
        self.versions = tuple(sorted(shipped_versions() + published, key=lambda v: v.effective_from))

    def version_on(self, day: date) -> RuleSetVersion | None:
        """The version in force on `day`, or None before the first one."""
        current = None
        for version in self.versions:
            if version.effective_from <= day:
                current = version
        return current

    def has_version(self, version_id: str) -> bool:
        return any(v.version == version_id for v in self.versions)

    def all_codes(self) -> frozenset[str]:
        return frozenset(code for v in self.versions for code in v.items)


DRAFT_VERSION = "draft"


def draft_version(effective_from: date, items: list[dict]) -> RuleSetVersion:
    """A draft rule-set version for the what-if preview (never published, never recorded).

    `items` are `{code, points, serious, rectifiable}`, each code once; the draft replaces the
    listed items only, from `effective_from` on.
    """
    codes = [item["code"] for item in items]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    collect(("ruleset.items", Conflicting(
        f"lists {', '.join(twice)} more than once; give each code once") if twice else None))
    return RuleSetVersion(DRAFT_VERSION, effective_from, {
        item["code"]: RuleItem(code=item["code"], title=rule_title(item["code"]),
                               points=Decimal(str(item["points"])),
                               serious=bool(item["serious"]),
                               rectifiable=bool(item["rectifiable"]))
        for item in items})


def drafted_item(draft: RuleSetVersion | None, code: str, found_on: date) -> RuleItem | None:
    """The draft's item for a deduction of `code` found on `found_on`, or None where the draft
    leaves it as recorded (no draft, found before its effective_from, a code it does not list)."""
    if draft is None or found_on < draft.effective_from:
        return None
    return draft.items.get(code)
