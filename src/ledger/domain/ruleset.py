"""The RuleSet aggregate: versions of the deduction catalogue published after the shipped ones."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.domain.base import LedgerCreated, LedgerEvent, ledger_id, name_check
from ledger.domain.catalogue import Catalogue, RuleItem, RuleSetVersion
from ledger.domain.errors import RuleViolation, collect


class RuleSetOpened(LedgerCreated):
    pass


class RuleSetVersionPublished(LedgerEvent):
    version: str
    effective_from: date
    items: list[dict]


class RuleSet(Aggregate):
    """The published rule-set versions; the shipped 2022.1 and 2022.2 need no event."""

    class_version = 1
    # The library subclasses these per aggregate; the public event name is the class name.
    RuleSetOpened = RuleSetOpened
    RuleSetVersionPublished = RuleSetVersionPublished

    @staticmethod
    def create_id(**_: Any):
        return ledger_id("ruleset", "default")

    @event(RuleSetOpened)
    def __init__(self, recorded_by: str) -> None:
        self.published: list[RuleSetVersion] = []

    def catalogue(self) -> Catalogue:
        return Catalogue(tuple(self.published))

    def publish_version(self, version: str, effective_from: date, items: list[RuleItem],
                        recorded_by: str) -> None:
        collect(name_check("version", version),
                ("items", None if items else "must list at least one item"))
        catalogue = self.catalogue()
        if catalogue.has_version(version):
            raise RuleViolation(f"Rule set version {version} already exists.")
        latest = catalogue.versions[-1]
        if effective_from <= latest.effective_from:
            raise RuleViolation(
                f"A new version must take effect after the latest one ({latest.version}, "
                f"effective from {latest.effective_from}).")
        self._publish_version(version=version, effective_from=effective_from,
                              items=[i.as_dict() for i in items], recorded_by=recorded_by)

    @event(RuleSetVersionPublished)
    def _publish_version(self, version: str, effective_from: date, items: list[dict],
                         recorded_by: str) -> None:
        self.published.append(RuleSetVersion(
            version, effective_from, {i["code"]: RuleItem.from_dict(i) for i in items}))
