"""The pages the navigation lists, by role: each module registers its own (other helpers'
forms too: `register_page("web.calendar", "form_calendar", roles=("regulator",))`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    endpoint: str
    key: str  # the i18n key of its title
    roles: tuple[str, ...]


PAGES: list[Page] = []


def register_page(endpoint: str, key: str, roles: tuple[str, ...]) -> None:
    if all(p.endpoint != endpoint for p in PAGES):
        PAGES.append(Page(endpoint, key, roles))


def pages_for(role: str | None) -> list[Page]:
    return [p for p in PAGES if role in p.roles]
