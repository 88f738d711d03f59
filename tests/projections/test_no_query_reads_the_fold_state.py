"""Structure: no module under `projections/queries/` reads the fold's stored state.

`rm_agency.state` (JSON of `state.AgencyState`) is the fold's private cache, kept so incremental
batches and a resumed rebuild can go on folding (`store/writer.load_needed`, `store/bulk`).
Queries read rows, or fold the log. This test fails when a query module decodes the state
(`codec.agency_from_json`), names the column (`….agency.c.state`) or calls the store's
loaders (their few SQL texts name other tables); the behavioural tests (test_row_readers.py, the what-if
tests) make the stored states unreadable and check the answers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ledger.projections.queries as queries

QUERIES = Path(queries.__file__).parent
FORBIDDEN_NAMES = {"agency_from_json", "state_in", "load_needed"}


def offences(source: str) -> list[str]:
    """What in `source` reads the fold's stored state, one line each."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names
                      if a.name in FORBIDDEN_NAMES]
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"line {node.lineno}: uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            found.append(f"line {node.lineno}: uses {node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr == "state" and \
                _is_agency_columns(node.value):
            found.append(f"line {node.lineno}: reads the column agency.c.state")
        elif isinstance(node, ast.Subscript) and _is_agency_columns(node.value) and \
                isinstance(node.slice, ast.Constant) and node.slice.value == "state":
            found.append(f"line {node.lineno}: reads the column agency.c['state']")
    return found


def _is_agency_columns(node: ast.AST) -> bool:
    """`….agency.c` (or `….agency.columns`): the columns of the `rm_agency` table."""
    return isinstance(node, ast.Attribute) and node.attr in ("c", "columns") and \
        isinstance(node.value, ast.Attribute) and node.value.attr == "agency"


def test_no_query_module_reads_the_fold_state():
    modules = sorted(QUERIES.glob("*.py"))
    assert len(modules) > 5  # the package is where it is expected
    found = {p.name: offences(p.read_text()) for p in modules}
    assert {name: lines for name, lines in found.items() if lines} == {}


def test_the_check_finds_each_way_of_reading_it():
    assert offences("from ledger.projections.model.codec import agency_from_json\n")
    assert offences("from ledger.projections.queries.read_base import state_in\n")
    assert offences("select(t.agency.c.state)\n")
    assert offences("select(tables.agency.c['state'])\n")
    assert offences("writer.load_needed(conn, gen, model, events)\n")
    assert offences("select(t.agency.c.name, t.deduction.c.resource)\n") == []
