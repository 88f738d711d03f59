"""The forms through the test client: one submission records once, refusals in Chinese."""

from __future__ import annotations

import re

from ledger.web.refusals import UNKNOWN, chinese, known
from tests.web.conftest import A, B, form_fields, signed_in


def head(app) -> int:
    return app.extensions["ledger"].ledger.recorder.max_notification_id() or 0


def test_the_same_rendered_form_sent_twice_records_once_and_answers_the_same(web_app):
    client = signed_in(web_app, "regulator")
    data = {**form_fields(client, "/work/training/new"), "kind": "online",
            "held_on": "2022-05-10", "topic": "政府采购法规线上学习", "hours": "2"}
    before = head(web_app)
    first = client.post("/work/training/new", data=data)
    second = client.post("/work/training/new", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert head(web_app) == before + 1
    answer = client.get(first.headers["Location"]).get_data(as_text=True)
    assert f"#{before + 1}" in answer and "政府采购法规线上学习" in answer


def test_another_principal_cannot_read_a_recorded_answer(web_app):
    client = signed_in(web_app, "regulator")
    data = {**form_fields(client, "/work/training/new"), "kind": "online",
            "held_on": "2022-05-10", "topic": "x", "hours": "1"}
    location = client.post("/work/training/new", data=data).headers["Location"]
    assert signed_in(web_app, "auditor").get(location).status_code == 404


def test_a_refused_form_frees_its_key_so_the_corrected_form_records(web_app):
    client = signed_in(web_app, "regulator")
    fields = form_fields(client, "/work/ratings/new")
    data = {**fields, "code": A, "rated_on": "2022-06-01", "purchaser": "宣城市教育局",
            "project_ref": "XC-1", "rating": "120"}
    before = head(web_app)
    refused = client.post("/work/ratings/new", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "必须在 0 到 100 之间" in page
    assert 'value="宣城市教育局"' in page and head(web_app) == before
    accepted = client.post("/work/ratings/new", data={**data, "rating": "85.5"})
    assert accepted.status_code == 303 and head(web_app) == before + 1


def test_figures_with_more_than_two_decimals_or_not_finite_are_refused_at_the_field(web_app):
    client = signed_in(web_app, "regulator")
    for bad in ("90.005", "NaN", "Infinity", "1e400", "abc"):
        data = {**form_fields(client, "/work/provincial/new"), "code": A, "year": "2022",
                "score": bad}
        response = client.post("/work/provincial/new", data=data)
        assert response.status_code == 422, bad
        assert 'id="score-error"' in response.get_data(as_text=True), bad


def test_attendance_of_several_people_is_all_or_nothing(web_app):
    client = signed_in(web_app, "regulator")
    data = {**form_fields(client, "/work/training/new"), "kind": "lecture",
            "held_on": "2022-05-10", "topic": "集中讲学", "hours": "2"}
    client.post("/work/training/new", data=data)
    from ledger.web.lookups import training_sessions
    with web_app.test_request_context():
        session_id = training_sessions()[0]["id"]
    page = "/work/training/attendance"
    lines = "A-01 张三\nA-02 李四\nA-01 张三"
    before = head(web_app)
    refused = client.post(page, data={**form_fields(client, page), "session_id": session_id,
                                      "code": A, "people": lines})
    assert refused.status_code == 422 and "已记录参加本场培训" in refused.get_data(as_text=True)
    assert head(web_app) == before
    ok = client.post(page, data={**form_fields(client, page), "session_id": session_id,
                                 "code": A, "people": "A-01 张三\nA-02 李四"})
    assert ok.status_code == 303 and head(web_app) == before + 2


def test_only_a_reviewer_may_send_the_decision_form(web_app):
    from ledger.domain.principals import Principal
    services = web_app.extensions["ledger"]
    today = services.ledger.today()
    ded = services.ledger.record_deduction(Principal("li.regulator", "regulator"), A, "D01",
                                           today, "公告逾期")
    filed = services.ledger.file_dispute(Principal(f"agency-{A}", "agency", A), ded.id, "已发布")
    services.read_side.wait_for(filed.position)
    page = f"/review/{filed.id}"
    before = head(web_app)
    for who in ("auditor", "regulator"):
        client = signed_in(web_app, who)
        response = client.post(page, data={**form_fields(client, page), "outcome": "overturned",
                                           "reasoning": "x", "decided_on": today.isoformat()})
        assert response.status_code == 403 and "无权" in response.get_data(as_text=True)
    assert head(web_app) == before
    reviewer = signed_in(web_app, "reviewer")
    done = reviewer.post(page, data={**form_fields(reviewer, page), "outcome": "overturned",
                                     "reasoning": "证据不足", "decided_on": today.isoformat()})
    assert done.status_code == 303 and head(web_app) == before + 1


def test_every_domain_refusal_has_its_chinese():
    samples = [
        "is required", "must not be empty", "must be at most 200 characters, got 201",
        "must not be after today (2026-12-01), got 2026-12-05",
        "must not be before found_on (2026-11-02)", "must be between 0 and 100, got 120",
        "must be a multiple of 0.5", "must be more than 0 and less than the base points 3",
        "length check failed: must be 18 characters, got 5",
        "check character failed: the 18th character should be 'F' for the first 17, got 'A'",
        "Agency 91341800H9EH9J1GRF is already registered.",
        "The dispute window closed on 2026-11-09 (5 working days after notification on "
        "2026-11-02); filed_on 2026-11-10 is too late.",
        "WANG recorded deduction 1234 and may not review its dispute.",
        "Deduction 1 was already withdrawn; a withdrawal is final.",
        "Role auditor may not resolve a dispute.",
        f"No agency with credit code {B}.",
        "unknown rule code 'D99' in rule set 2022.2; known codes: D01, D02",
    ]
    for message in samples:
        assert known(message), message
        zh = chinese(message)
        assert not zh.startswith(UNKNOWN) and not re.search(r"[a-z]{3,}", zh.replace("filed_on", "")), zh
    assert chinese("Something new.") == f"{UNKNOWN}（Something new.）"


def test_text_the_domain_refuses_is_refused_at_the_field_in_chinese(web_app):
    client = signed_in(web_app, "regulator")
    page = "/work/training/new"
    before = head(web_app)
    for topic, said in (("讲学\x00", "不能包含控制字符 U+0000"), ("x" * 201, "最多 200 个字符")):
        response = client.post(page, data={**form_fields(client, page), "kind": "online",
                                           "held_on": "2022-05-10", "topic": topic, "hours": "1"})
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and said in body.split('id="topic-error"')[1][:80]
    assert head(web_app) == before
