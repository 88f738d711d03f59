"""Where the ledger keeps its data, chosen by LEDGER_DATABASE_URL."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_SQLITE_FILE = "ledger.sqlite3"


def database_url(env: dict[str, str] | None = None) -> str:
    """The SQLAlchemy URL of the store: LEDGER_DATABASE_URL, else a SQLite file here."""
    env = os.environ if env is None else env
    return with_busy_timeout(env.get("LEDGER_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_FILE}")


def with_busy_timeout(url: str, seconds: int | None = None) -> str:
    """A SQLite file URL waits for another writer instead of failing with "database is locked".

    The wait is 30 s unless the URL names its own; with `seconds`, that wait replaces any the
    URL names (a background rebuild waits out another's long transaction rather than fail).
    Other URLs are left alone.
    """
    if not url.startswith("sqlite:///") or ":memory:" in url:
        return url
    parsed = make_url(url)
    if seconds is None and "timeout" in parsed.query:
        return url
    return parsed.update_query_dict({"timeout": str(seconds or 30)}).render_as_string(
        hide_password=False)


def today_in_china() -> date:
    """Today's civil date in China Standard Time: business dates may not lie after it."""
    return datetime.now(CHINA).date()
