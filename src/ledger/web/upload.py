"""The regulators' upload page: the same import as `ledger import`, with its report."""

from __future__ import annotations

from flask import render_template, request

from ledger.api.metrics import count_import
from ledger.domain.errors import ConcurrentChange, InvalidInput
from ledger.imports.limits import MAX_FILE_BYTES
from ledger.imports.reader import UnreadableFile, too_big
from ledger.imports.run import import_file
from ledger.web import web
from ledger.web.auth import regulator
from ledger.web.services import ledger, read_side


@web.route("/import", methods=["GET", "POST"])
def upload():
    by = regulator()
    if request.method == "GET":
        return render_template("upload.html", report=None, problem=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput.field("file", "请选择一个 .csv 或 .xlsx 文件 (choose a .csv or .xlsx file)")
    data = upload.read(MAX_FILE_BYTES + 1)  # never more than the limit is held
    if len(data) > MAX_FILE_BYTES:
        return render_template("upload.html", report=None, problem=too_big(upload.filename)), 422
    try:
        report = import_file(ledger(), by, data, upload.filename,
                             accept_valid=bool(request.form.get("accept_valid")))
    except UnreadableFile as error:
        return render_template("upload.html", report=None, problem=str(error)), 422
    except ConcurrentChange as error:
        return render_template("upload.html", report=None, problem=error.message), 409
    count_import(report)
    if report.recorded and report.position:
        read_side().wait_for(report.position)
    return render_template("upload.html", report=report, problem=None,
                           filename=upload.filename), 200 if report.recorded else 422
