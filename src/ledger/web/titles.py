"""The deduction items' Chinese titles in the pages: the catalogue's one lookup, nothing else."""

from __future__ import annotations

from ledger.domain.catalogue import coded, rule_title as catalogue_title
from ledger.web import web


@web.app_template_global()
def rule_title(code: str) -> str:
    """The Chinese title of a deduction item ('' when unknown)."""
    return catalogue_title(code)


def with_title(code: str) -> str:
    """A code as the pages show it: `D05 设置差别歧视性条款`."""
    return coded(code)
