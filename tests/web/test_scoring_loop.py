"""The whole loop: a staff report in the app changes the next scoring run."""

from __future__ import annotations

from typer.testing import CliRunner

from keepwise.application.scoring import score
from keepwise.application.users import add_user
from keepwise.cli import app as cli
from keepwise.storage.appdb import crud, open_appdb
from keepwise.storage.workspace import Workspace


def test_a_staff_threat_report_flags_the_customer_in_the_next_run(tmp_path):
    path = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(path), "--customers", "40"])
    assert result.exit_code == 0, result.output
    ws = Workspace.open(path)
    with ws.connection(read_only=True) as con:
        customer = con.execute(
            "SELECT customer_id FROM customers WHERE customer_id NOT IN "
            "(SELECT customer_id FROM incidents) ORDER BY customer_id LIMIT 1"
        ).fetchone()[0]
    db = open_appdb(ws)
    with db.session() as session:
        staff = add_user(
            session, email="s@example.com", password="long enough pw", role="staff", actor="test"
        )
        crud.add_incident(
            session,
            customer_id=customer,
            kind="threat",
            severity=3,
            description="said he would break the shop window",
            reported_by=staff.id,
        )
    db.dispose()
    run = score(ws)
    with ws.connection(read_only=True) as con:
        level = con.execute(
            "SELECT signal_abusive FROM scorecard WHERE run_id = ? AND customer_id = ?",
            [run.run_id, customer],
        ).fetchone()[0]
        evidence = con.execute(
            "SELECT record_id, value FROM scorecard_evidence WHERE run_id = ? "
            "AND customer_id = ? AND signal = 'abusive'",
            [run.run_id, customer],
        ).fetchall()
    assert level == "flag"
    assert ("app-I1", "staff report: threat") in evidence
