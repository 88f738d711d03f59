"""Benchmark stores: a demo history per scale and backend, generated once and reused."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from ledger.application import Ledger
from ledger.demo.plan import Planner
from ledger.demo.run import run_demo

SCALES = {"small": (100, 3), "province": (2000, 3), "nation": (20000, 5)}
UNTIL, SEED = date(2026, 11, 27), 1
WORK = Path("/tmp/ledger-bench")
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def url_for(backend: str, name: str) -> str:
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{WORK / name}.sqlite3"
    return f"{SERVER}/bench_{name}"


def fresh(backend: str, name: str) -> str:
    """An empty store called `name` on the backend."""
    url = url_for(backend, name)
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return url
    engine = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "bench_{name}"'))
    engine.dispose()
    return url


def dataset(backend: str, scale: str, log=print) -> tuple[str, dict]:
    """The store of a scale's demo history, and how fast it was generated (reused if present)."""
    name = f"{scale}_{backend}"
    marker = WORK / f"{name}.json"
    if marker.exists():
        return url_for(backend, name), json.loads(marker.read_text())
    agencies, years = SCALES[scale]
    url = fresh(backend, name)
    ledger = Ledger(url=url)
    log(f"generating {scale} on {backend}: {agencies} agencies x {years} years ...")
    started = time.perf_counter()
    outcome = run_demo(ledger, Planner(agencies, years, SEED, UNTIL))
    seconds = time.perf_counter() - started
    ledger.close()
    info = {"agencies": agencies, "years": years, "events": outcome.events,
            "seconds": seconds, "rate": outcome.events / seconds,
            "refused": sum(outcome.refused.values())}
    WORK.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(info))
    return url, info
