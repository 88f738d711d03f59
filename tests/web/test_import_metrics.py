"""An uploaded import file's rows are counted in /metrics by what became of them."""

from __future__ import annotations

import io

from tests.api.test_service_routes import samples
from tests.web.conftest import signed_in
from tests.web.conftest import csrf_token
from tests.web.test_import import BAD_ROWS


def test_upload_counts_refused_and_unrecorded_rows(web_app):
    client = signed_in(web_app, "regulator")

    def rows(outcome: str) -> float:
        text = client.get("/metrics").get_data(as_text=True)
        return samples(text).get(("ledger_import_rows_total", (("outcome", outcome),)), 0)

    before = {o: rows(o) for o in ("refused", "not_recorded", "recorded")}
    response = client.post("/import", data={"file": (io.BytesIO(BAD_ROWS), "bad.csv"),
                                            "csrf_token": csrf_token(client, "/import")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert rows("refused") - before["refused"] == 4
    assert rows("not_recorded") - before["not_recorded"] == 1
    assert rows("recorded") == before["recorded"]
