"""The API fixtures (apps, callers, the small world) for abuse tests."""

from tests.api.conftest import app, callers, sqlite_app, sqlite_url, world  # noqa: F401
