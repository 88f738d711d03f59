"""The regulators' upload page: the same import as `ledger import`, with its report."""

from __future__ import annotations

from flask import render_template, request

from ledger.domain.errors import InvalidInput
from ledger.imports.reader import UnreadableFile
from ledger.imports.run import import_file
from ledger.web import web
from ledger.web.auth import regulator
from ledger.web.services import ledger, read_side

MAX_BYTES = 20 * 1024 * 1024


@web.route("/import", methods=["GET", "POST"])
def upload():
    by = regulator()
    if request.method == "GET":
        return render_template("upload.html", report=None, problem=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput.field("file", "choose a .csv or .xlsx file")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput.field("file", "larger than 20 MB")
    try:
        report = import_file(ledger(), by, data, upload.filename,
                             accept_valid=bool(request.form.get("accept_valid")))
    except UnreadableFile as error:
        return render_template("upload.html", report=None, problem=str(error)), 422
    if report.recorded and report.position:
        read_side().wait_for(report.position)
    return render_template("upload.html", report=report, problem=None,
                           filename=upload.filename), 200 if report.recorded else 422
