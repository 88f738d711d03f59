"""Limits on what a request may be: body size, URI length, JSON nesting and number size.

Each is refused in the one error shape before any view (or the Idempotency-Key store) reads
the body; see docs/DESIGN.md "Input limits".
"""

from __future__ import annotations

import json

from flask import Flask, current_app, request
from flask_smorest import abort

MAX_BODY = 1 << 20  # bytes of a request body under /api/ (413 beyond)
MAX_URI = 4096  # characters of path and query string (414 beyond)
MAX_DEPTH = 16  # nested arrays/objects in a JSON body (422 beyond)
MAX_DIGITS = 100  # digits of a JSON integer (422 beyond)


class TooLarge(ValueError):
    """A JSON body this service will not read."""


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise TooLarge(f"a number has more than {MAX_DIGITS} digits")
    return int(digits)


def _depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (iteratively)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in item)
    return deepest


def readable_json(raw: bytes) -> str | None:
    """Why a JSON body is refused (too deep, too large a number), or None when readable.

    A body that is not JSON at all is left to the view's parser (400 as before).
    """
    try:
        value = json.loads(raw, parse_int=_bounded_int)
    except TooLarge as error:
        return str(error)
    except RecursionError:
        return f"arrays and objects may nest at most {MAX_DEPTH} levels deep"
    except ValueError:
        return None
    if _depth(value) > MAX_DEPTH:
        return f"arrays and objects may nest at most {MAX_DEPTH} levels deep"
    return None


def check_request():
    """before_request: the URI's length, then (API only) the body's size and JSON."""
    config = current_app.config
    uri = request.full_path if request.query_string else request.path
    if len(uri) > config["MAX_URI_LENGTH"]:
        abort(414, message=f"The address is longer than {config['MAX_URI_LENGTH']} characters.")
    if not request.path.startswith("/api/"):
        return None
    request.max_content_length = config["API_MAX_BODY"]
    if request.content_length is not None and request.content_length > config["API_MAX_BODY"]:
        abort(413, message=f"The request body is larger than {config['API_MAX_BODY']} bytes.")
    if request.is_json:
        problem = readable_json(request.get_data(cache=True))
        if problem:
            abort(422, errors={"body": [problem]})
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("API_MAX_BODY", MAX_BODY)
    app.config.setdefault("MAX_URI_LENGTH", MAX_URI)
    app.before_request(check_request)
