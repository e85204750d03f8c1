from __future__ import annotations

import os
import time

import pytest

from keepwise.web.scoredata import WRITER_FLAG, Filters, ScoreReader, WorkspaceBusy


def test_a_waiting_writer_gets_the_file_and_the_dashboard_stays_up(web_ws):
    reader = ScoreReader(web_ws, retries=3, retry_wait=0.01)
    before = reader.business()
    assert before is not None and reader.page(Filters(limit=5)).total == 40
    flag = web_ws.path / WRITER_FLAG
    flag.touch()
    try:
        now = time.time()
        os.utime(web_ws.db_path, (now + 5, now + 5))  # the file changed: memo is out of date
        with pytest.raises(WorkspaceBusy, match="busy"):
            reader.page(Filters(limit=5))
        assert reader.business() == before  # last figures while the writer works
    finally:
        flag.unlink()
    assert reader.page(Filters(limit=5)).total == 40


def test_an_old_writer_flag_is_ignored(web_ws):
    reader = ScoreReader(web_ws, retries=2, retry_wait=0.01)
    flag = web_ws.path / WRITER_FLAG
    flag.touch()
    try:
        os.utime(flag, (time.time() - 3600, time.time() - 3600))
        assert not reader.writer_waiting()
        assert reader.page(Filters(limit=1)).total == 40
    finally:
        flag.unlink()


def test_memo_follows_the_file(web_ws):
    reader = ScoreReader(web_ws)
    first = reader.latest_run()
    assert first is not None and first["run_id"] == "run2"
    assert reader.latest_run() is first  # memoised while the file is unchanged
    now = time.time()
    os.utime(web_ws.db_path, (now + 10, now + 10))
    again = reader.latest_run()
    assert again == first and again is not first


@pytest.mark.parametrize("sort", ["profit", "clv", "name", "churn_risk"])
@pytest.mark.parametrize("descending", [True, False])
def test_deep_pages_come_out_the_same_as_shallow_ones(web_ws, monkeypatch, sort, descending):
    import keepwise.web.scoredata as scoredata

    reader = ScoreReader(web_ws)
    filters = Filters(sort=sort, descending=descending, limit=7, offset=5, segment="mid")
    shallow = reader.page(filters).rows
    monkeypatch.setattr(scoredata, "DEEP_OFFSET", 0)
    deep = reader.page(filters).rows
    assert [r["customer_id"] for r in deep] == [r["customer_id"] for r in shallow]
    assert len(shallow) == 7
