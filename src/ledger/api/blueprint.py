"""The API's Blueprint: flask-smorest's, with a webargs parser that makes each schema once.

Given a schema class (`blp.arguments(DeductionIn)`), webargs instantiates it on every request
it parses; a schema instance holds no per-load state (marshmallow 4), so one instance per
class serves every request and thread alike. What is parsed, and every error, is unchanged.
"""

from __future__ import annotations

import threading

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser


class Parser(FlaskParser):
    """webargs' Flask parser, keeping one instance of each argument schema class."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type, ma.Schema] = {}
        self._lock = threading.Lock()

    def _get_schema(self, argmap, req) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                with self._lock:
                    schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()
