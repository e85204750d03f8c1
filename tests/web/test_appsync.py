from datetime import timedelta

import pytest

from keepwise.application.appsync import sync_app_events
from keepwise.application.users import add_user
from keepwise.storage.appdb import crud, open_appdb
from keepwise.storage.workspace import Workspace


@pytest.fixture()
def ws(tmp_path):
    return Workspace.init(tmp_path / "w")


def test_no_app_database_means_nothing_synced_and_nothing_created(ws):
    with ws.connection() as con:
        assert sync_app_events(ws, con) == {"incidents": 0, "surveys": 0}
    assert not ws.app_db_path.exists()


def test_incidents_and_answers_reach_the_event_tables_idempotently(ws):
    db = open_appdb(ws)
    with db.session() as s:
        user = add_user(
            s, email="sam@example.com", password="correct horse", role="staff", actor="t"
        )
        crud.add_incident(
            s,
            customer_id="C1",
            kind="abuse",
            severity=3,
            description="shouted",
            reported_by=user.id,
        )
        crud.add_incident(
            s, customer_id="C2", kind="unhappy", severity=1, description="", reported_by=user.id
        )
        inv = crud.create_invitation(
            s, customer_id="C1", kind="exit", created_by=user.id, lifetime=timedelta(days=1)
        )
        crud.answer_invitation(
            s, invitation=inv, score=None, reasons=["price", "responsiveness"], comment="slow"
        )
    db.dispose()
    with ws.connection() as con:
        assert sync_app_events(ws, con) == {"incidents": 2, "surveys": 1}
        assert sync_app_events(ws, con) == {"incidents": 2, "surveys": 1}
        rows = con.execute(
            "SELECT incident_id, customer_id, kind, severity, reported_by, description "
            "FROM incidents ORDER BY incident_id"
        ).fetchall()
        assert rows == [
            ("app-I1", "C1", "abuse", 3, "sam@example.com", "shouted"),
            ("app-I2", "C2", "unhappy", 1, "sam@example.com", ""),
        ]
        survey = con.execute(
            "SELECT response_id, customer_id, kind, score, reasons, comment FROM surveys"
        ).fetchall()
        assert survey == [("app-S1", "C1", "exit", None, "price;responsiveness", "slow")]
        assert con.execute("SELECT count(*) FROM incidents WHERE _row_hash IS NULL").fetchone() == (
            0,
        )


def test_sync_runs_inside_the_callers_transaction(ws):
    db = open_appdb(ws)
    with db.session() as s:
        user = add_user(
            s, email="a@example.com", password="long enough pw", role="staff", actor="t"
        )
        crud.add_incident(
            s, customer_id="C9", kind="threat", severity=3, description="x", reported_by=user.id
        )
    db.dispose()
    with ws.connection() as con:
        con.execute("BEGIN")
        sync_app_events(ws, con)
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM incidents").fetchone() == (0,)
