"""Pages of the list routes: ?limit&offset, the total and links in headers, the list unchanged.

The list routes answered a bare JSON array before they were paginated, and clients read it
as such; so the body stays that array (now one page of it), and what a client needs to page
travels in headers: `X-Total-Count` (items in the whole list), and `Link` (RFC 8288) with
`first`, `prev`, `next` and `last` addresses. Items keep the route's stable order (log
position), so pages neither skip nor repeat items while nothing is recorded meanwhile.
"""

from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from marshmallow import fields, validate

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

HEADERS = {
    "X-Total-Count": {"description": "Items in the whole list (all pages).",
                      "schema": {"type": "integer", "minimum": 0}},
    "Link": {"description": "RFC 8288 links to the first, prev, next and last pages "
                            "(prev and next only where such a page exists).",
             "schema": {"type": "string"}},
}


class Paging(ma.Schema):
    """?limit=N&offset=M: which part of the list to answer."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_LIMIT), metadata={
                               "description": f"items in the page, 1-{MAX_LIMIT} "
                                              f"(default {DEFAULT_LIMIT})"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1),
                            metadata={"description": "items of the list to skip (default 0)"})


def page(items: list, args: dict) -> tuple[list, dict]:
    """One page of `items` and the headers that say where it lies in the whole list."""
    limit, offset, total = args["limit"], args["offset"], len(items)
    starts = {"first": 0, "last": max(0, (total - 1) // limit * limit)}
    if offset > 0:
        starts["prev"] = max(0, offset - limit)
    if offset + limit < total:
        starts["next"] = offset + limit
    links = ", ".join(f'<{address(start, limit)}>; rel="{rel}"' for rel, start in starts.items())
    return items[offset:offset + limit], {"X-Total-Count": str(total), "Link": links}


def address(offset: int, limit: int) -> str:
    """This request's path and query with another offset and limit."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("limit", "offset")]
    return request.path + "?" + urlencode([*query, ("limit", limit), ("offset", offset)])
