"""The OpenAPI description made complete, and the API reference page that reads it.

An apispec plugin adds what every operation shares and the views do not say themselves: the
roles that may call it, the `Idempotency-Key` header of every POST, the error answers in the
one error shape, the patterns and ranges of path parameters, and the constraints that
validator functions enforce (the credit code's pattern and check character). The reference
page is Swagger UI, served from the installed swagger-ui-bundle package (no outside asset).
"""

from __future__ import annotations

from pathlib import Path

from apispec import BasePlugin
from flask import Blueprint, Flask, abort, render_template_string, send_from_directory, url_for
from marshmallow import fields, validate

from ledger.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from ledger.api.schemas import MONTH, Hygienic, credit_code
from ledger.domain.catalogue import shipped_versions
from ledger.domain.credit_code import ALPHABET
from ledger.projections.store.runner import NAMES

CREDIT_CODE_PATTERN = "^[0-9A-HJ-NPQRTUWXY]{18}$"
assert set(ALPHABET) == set("0123456789ABCDEFGHJKLMNPQRTUWXY")  # the pattern's alphabet
CREDIT_CODE = {
    "type": "string", "pattern": CREDIT_CODE_PATTERN, "format": "credit-code",
    "minLength": 18, "maxLength": 18, "example": "91341800H9EH9J1GRF",
    "description": "Unified social credit code (GB 32100-2015): 18 characters of 0-9 and "
                   "A-Z without I, O, S, V and Z. The 18th is a check character: with the "
                   "alphabet's values 0-30 and the weights 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, "
                   "25, 13, 8, 24, 10, 30, 28 for the first 17, it is the character of value "
                   "31 - (weighted sum mod 31), 0 when that is 31. A code failing the check "
                   "is refused with 422 naming the check."}
# What a validator function enforces, as JSON Schema (apispec cannot read a function): add a
# line here for each new validator function used in an API schema.
VALIDATOR_SCHEMAS = {credit_code: {k: v for k, v in CREDIT_CODE.items() if k != "example"}}
RULE_CODES = sorted({code for version in shipped_versions() for code in version.items})
PATH_PARAMETERS = {
    "code": CREDIT_CODE,
    "month": {"type": "string", "pattern": MONTH.pattern, "example": "2022-01",
              "description": "A month YYYY-MM, years 1900-2999."},
    "year": {"type": "integer", "minimum": 1900, "maximum": 2999, "example": 2022},
    "deduction_id": {"type": "string", "format": "uuid"},
    "dispute_id": {"type": "string", "format": "uuid"},
    "session_id": {"type": "string", "format": "uuid"},
    "objection_id": {"type": "string", "pattern": "^[0-9]{4}-[0-9A-HJ-NPQRTUWXY]{18}$",
                     "description": "The year, '-' and the agency's credit code."},
    "secondment_id": {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}-S[1-9][0-9]*$",
                      "description": "The agency's credit code, '-S' and a number."},
    "name": {"type": "string", "enum": list(NAMES)},
}
ERRORS = {
    "401": "No bearer token, or one that is not known, expired or revoked.",
    "403": "The caller's role (or agency) may not do this.",
    "404": "Nothing with that code or id.",
    "409": "A rule of the domain refuses the request (window closed, duplicate, overlap, "
           "conflicting Idempotency-Key); nothing was recorded.",
    "422": "Invalid input: `errors` names each bad field and the rule it breaks.",
}
# Text: no control character but tab, newline and CR (a blank text is refused too: 422).
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
ROLES_KEY = "x-roles"  # set by ledger.api.auth.requires
SCHEMA_EXTRAS = {  # what a schema-level validator of these components enforces
    "Evidence": {"anyOf": [{"required": ["sha256"]},
                           {"required": ["document"],
                            "properties": {"document": {"type": "string"}}}],
                 "description": "A document reference and/or its SHA-256."},
    "WhatIfIn": {"oneOf": [{"required": ["month"]}, {"required": ["year"]}]},
}

def error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


class LedgerPlugin(BasePlugin):
    """What every operation shares, added to each as apispec builds the description."""

    def schema_helper(self, name, definition, **kwargs):
        nested_nullable(definition.get("properties") or {})
        return SCHEMA_EXTRAS.get(name)

    def path_helper(self, path=None, operations=None, parameters=None, **kwargs):
        for parameter in parameters or ():
            if parameter.get("in") == "path" and parameter["name"] in PATH_PARAMETERS:
                parameter["schema"] = dict(PATH_PARAMETERS[parameter["name"]])
        return None

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            roles = operation.pop(ROLES_KEY, None)
            secured = bool(operation.get("security"))
            lines = [operation.get("description", "").strip()]
            if roles is not None:
                lines.append("**Roles:** " + ", ".join(roles) + ".")
            elif not secured:
                lines.append("**Roles:** anyone; no token needed.")
            operation["description"] = "\n\n".join(line for line in lines if line)
            if roles is not None:
                operation[ROLES_KEY] = roles
            responses = operation.setdefault("responses", {})
            for status, text in ERRORS.items():
                if status in ("401", "403") and not secured:
                    continue
                if status == "409" and method != "post":
                    continue
                responses.setdefault(status, error(text))
            if method == "post":
                operation.setdefault("parameters", []).append({
                    "in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
                    "schema": {"type": "string", "maxLength": 255},
                    "description": "Any string up to 255 characters, new for each new "
                                   "request. A repeat with the same key and body gets the "
                                   "first response and records nothing new; the same key "
                                   "with another body is refused with 409."})


def field_attributes(self, field: fields.Field, **kwargs) -> dict:
    """apispec attribute function: constraints that validator functions enforce."""
    extra: dict = {}
    for validator in field.validators:
        extra.update(next((schema for known, schema in VALIDATOR_SCHEMAS.items()
                           if known is validator), {}))
        if isinstance(validator, validate.Range) and validator.min is not None \
                and not validator.min_inclusive:
            extra["exclusiveMinimum"] = True
        if isinstance(validator, validate.Range) and validator.max is not None \
                and not validator.max_inclusive:
            extra["exclusiveMaximum"] = True
    if isinstance(validator_of(field, Hygienic), Hygienic):  # DOMAIN's text rules
        extra["pattern"] = TEXT_PATTERN
    if isinstance(field, fields.Nested) and field.allow_none and not field.many:
        extra["nullable"] = True
    return extra


def validator_of(field: fields.Field, kind: type):
    return next((v for v in field.validators if isinstance(v, kind)), None)


def nested_nullable(properties: dict) -> None:
    """A nullable nested schema as allOf + nullable (OpenAPI 3.0), not 'any object or it'."""
    for name, prop in list(properties.items()):
        options = prop.get("anyOf") if isinstance(prop, dict) else None
        if options and len(options) == 2 and options[0] == {"type": "object", "nullable": True}:
            properties[name] = {"allOf": [options[1]], "nullable": True}


def complete(api) -> None:
    """Let the marshmallow converter use `field_attributes` (before any schema is built)."""
    api.ma_plugin.converter.add_attribute_function(field_attributes)


docs = Blueprint("reference", __name__, url_prefix="/api/v1")
PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>Assessment Ledger API v1 · 接口参考</title>
<link rel="stylesheet" href="{{ url_for('reference.asset', name='swagger-ui.css') }}">
</head><body><div id="swagger-ui" data-url="{{ url_for('api-docs.openapi_json') }}"></div>
<script src="{{ url_for('reference.asset', name='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('reference.asset', name='ledger-init.js') }}"></script>
</body></html>"""
INIT = """window.onload = function () {
  var holder = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({url: holder.dataset.url, dom_id: "#swagger-ui",
                               deepLinking: true, tryItOutEnabled: false});
};
"""
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js")


def swagger_ui_path() -> Path:
    from swagger_ui_bundle import swagger_ui_path as path

    return Path(path)


@docs.get("/docs")
def page():
    """The API reference: Swagger UI over /api/v1/openapi.json, every file served here."""
    return render_template_string(PAGE)


@docs.get("/docs/<name>")
def asset(name: str):
    if name == "ledger-init.js":  # no inline script: the pages' CSP may forbid it
        return INIT, 200, {"Content-Type": "text/javascript; charset=utf-8"}
    if name not in ASSETS:
        abort(404)
    return send_from_directory(swagger_ui_path(), name, max_age=86400)


def init_app(app: Flask) -> None:
    app.register_blueprint(docs)
    app.jinja_env.globals["api_reference_url"] = lambda: url_for("reference.page")
