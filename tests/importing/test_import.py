"""The import pipeline: every contract rule, atomicity, idempotency, mapping, formats."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from keepwise.application.importing import import_paths
from keepwise.domain.contract.mapping import load_mapping
from keepwise.errors import ContractError
from keepwise.storage import Workspace


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


CUSTOMERS = (
    "customer_id,name,segment,acquired_at,strategic\n"
    "C1,Ann,smb,2024-01-01,yes\n"
    "C2,Bob,enterprise,2024-02-01T10:00:00+02:00,0\n"
)
ORDERS = (
    "order_id,customer_id,ordered_at,amount,cost\n"
    "O1,C1,2024-01-05,100.50,60\n"
    "O2,C2,2024-03-01 12:30,20,10\n"
)


def rows(ws: Workspace, sql: str) -> list[tuple]:
    with ws.connection(read_only=True) as con:
        return con.execute(sql).fetchall()


def rejected(ws: Workspace, *paths: Path, **kw) -> list[str]:
    with pytest.raises(ContractError) as info:
        import_paths(ws, list(paths), **kw)
    return [str(p) for p in info.value.problems]


def test_csv_import_types_and_extra_columns(ws: Workspace, tmp_path: Path) -> None:
    c = write(
        tmp_path / "customers.csv",
        CUSTOMERS.replace("strategic\n", "strategic,Colour\n")
        .replace("yes\n", "yes,blue\n")
        .replace(",0\n", ",0,red\n"),
    )
    o = write(tmp_path / "orders.csv", ORDERS)
    result = import_paths(ws, [c, o])
    assert (result.inserted, result.updated, result.unchanged) == (4, 0, 0)
    got = rows(
        ws, "SELECT customer_id, acquired_at::VARCHAR, strategic, extra FROM customers ORDER BY 1"
    )
    assert got[0] == ("C1", "2024-01-01 00:00:00", True, '{"Colour":"blue"}')
    # the zone is honoured: 10:00 at +02:00 is 08:00 UTC
    assert got[1][1:3] == ("2024-02-01 08:00:00", False)
    assert rows(ws, "SELECT amount, cost FROM orders WHERE order_id='O1'")[0] == (
        pytest.approx(100.5),
        pytest.approx(60),
    )


def test_reimport_changes_nothing_and_changed_row_updates(ws: Workspace, tmp_path: Path) -> None:
    c = write(tmp_path / "customers.csv", CUSTOMERS)
    first = import_paths(ws, [c])
    before = rows(ws, "SELECT * FROM customers ORDER BY 1")
    again = import_paths(ws, [c])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert rows(ws, "SELECT * FROM customers ORDER BY 1") == before
    write(c, CUSTOMERS.replace("Bob", "Robert") + "C3,Cy,smb,2024-03-01,no\n")
    third = import_paths(ws, [c])
    assert (third.inserted, third.updated, third.unchanged) == (1, 1, 1)
    assert rows(ws, "SELECT name, _import_id FROM customers WHERE customer_id='C2'") == [
        ("Robert", third.import_id)
    ]
    assert rows(ws, "SELECT _import_id FROM customers WHERE customer_id='C1'") == [
        (first.import_id,)
    ]
    history = rows(
        ws, "SELECT import_id, inserted, updated, unchanged, files FROM _imports ORDER BY 1"
    )
    assert [h[1:4] for h in history] == [(2, 0, 0), (0, 0, 2), (1, 1, 1)]
    files = json.loads(history[0][4])
    assert files[0]["table"] == "customers" and len(files[0]["sha256"]) == 64


def test_parquet_and_excel(ws: Workspace, tmp_path: Path) -> None:
    con = duckdb.connect()
    pq = tmp_path / "customers.parquet"
    con.execute(
        f"COPY (SELECT 'P' || i AS customer_id, TIMESTAMP '2024-01-01' + INTERVAL (i) DAY "
        f"AS acquired_at, i % 2 = 0 AS strategic FROM range(5) t(i)) TO '{pq}' (FORMAT parquet)"
    )
    book = tmp_path / "crm.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    sheet = wb.add_worksheet("orders")
    sheet.write_row(0, 0, ["order_id", "customer_id", "ordered_at", "amount"])
    sheet.write_row(1, 0, ["X1", "P1", "2024-02-01", 12.5])
    sheet.write_row(2, 0, ["X2", "P2", "2024-02-02", 7])
    wb.add_worksheet("notes").write(0, 0, "ignored")
    wb.close()
    result = import_paths(ws, [pq, book])
    assert result.inserted == 7
    assert rows(ws, "SELECT count(*) FROM customers WHERE strategic") == [(3,)]
    assert rows(ws, "SELECT order_id, amount FROM orders ORDER BY 1") == [
        ("X1", pytest.approx(12.5)),
        ("X2", pytest.approx(7)),
    ]


def test_excel_errors_name_the_sheet_row(ws: Workspace, tmp_path: Path) -> None:
    import_paths(ws, [write(tmp_path / "customers.csv", CUSTOMERS)])
    book = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    sheet = wb.add_worksheet("Orders")
    sheet.write_row(0, 0, ["order_id", "customer_id", "ordered_at", "amount"])
    sheet.write_row(1, 0, ["X1", "C1", "2024-02-01", 1])
    sheet.write_row(2, 0, ["X2", "C1", "2024-02-01", "lots"])
    wb.close()
    problems = rejected(ws, book)
    assert problems == [
        f"{book} [sheet Orders], row 3, column 'amount': not a number (value 'lots')"
    ]


def test_mapping_file_toml_and_yaml(ws: Workspace, tmp_path: Path) -> None:
    import_paths(ws, [write(tmp_path / "customers.csv", CUSTOMERS)])
    export = write(
        tmp_path / "helpdesk-export.csv",
        "Ticket ID;Requester;Created;Type;Priority\n"
        "T1;C1;2024-05-01T09:00:00Z;Incident;high\n"
        "T2;C2;2024-05-02;Question;low\n",
    )
    toml = write(
        tmp_path / "map.toml",
        """
[files]
"helpdesk-*.csv" = "tickets"
[tables.tickets]
delimiter = ";"
[tables.tickets.columns]
"Ticket ID" = "ticket_id"
"Requester" = "customer_id"
"Created" = "opened_at"
"Type" = "category"
[tables.tickets.values.category]
"Incident" = "problem"
"Question" = "question"
""",
    )
    result = import_paths(ws, [export], mapping=load_mapping(toml))
    assert result.files[0].table == "tickets" and result.files[0].extra_columns == ["Priority"]
    assert rows(ws, "SELECT ticket_id, category, extra FROM tickets ORDER BY 1") == [
        ("T1", "problem", '{"Priority":"high"}'),
        ("T2", "question", '{"Priority":"low"}'),
    ]
    yaml_map = write(
        tmp_path / "map.yaml",
        "files:\n  'helpdesk-*.csv': tickets\n"
        "tables:\n  tickets:\n    delimiter: ';'\n    columns:\n"
        "      Ticket ID: ticket_id\n      Requester: customer_id\n"
        "      Created: opened_at\n      Type: category\n"
        "    values:\n      category:\n        Incident: complaint\n"
        "        Question: question\n",
    )
    again = import_paths(ws, [export], mapping=load_mapping(yaml_map))
    assert (again.updated, again.unchanged) == (1, 1)


def test_mapping_to_unknown_column_is_refused(tmp_path: Path) -> None:
    bad = write(tmp_path / "m.toml", '[tables.tickets.columns]\n"X" = "nope"\n')
    with pytest.raises(ContractError, match="mapped to unknown column 'nope'"):
        load_mapping(bad)


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        (
            "orders",
            "order_id,customer_id,ordered_at\nO1,C1,2024-01-01\n",
            "row 1, column 'amount': required column is missing from the header",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,,2024-01-01,5\n",
            "row 2, column 'customer_id': a value is required",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C1,01/02/2024,5\n",
            "row 2, column 'ordered_at': not an ISO-8601 date",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C1,2024-02-30,5\n",
            "row 2, column 'ordered_at': not an ISO-8601 date",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01,-5\n",
            "row 2, column 'amount': must not be negative (value '-5')",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01,1e\n",
            "row 2, column 'amount': not a number",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01,1\nO1,C1,2024-01-01,2\n",
            "row 3, column 'order_id': duplicate id",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C404,2024-01-01,1\n",
            "row 2, column 'customer_id': unknown customer",
        ),
        (
            "invoices",
            "invoice_id,customer_id,issued_at,due_at,amount\nI1,C1,2024-02-01,2024-01-01,9\n",
            "row 2, column 'due_at': must not be before issued_at",
        ),
        (
            "tickets",
            "ticket_id,customer_id,opened_at,closed_at\nT1,C1,2024-02-01,2024-01-31\n",
            "row 2, column 'closed_at': must not be before opened_at",
        ),
        (
            "tickets",
            "ticket_id,customer_id,opened_at,category\nT1,C1,2024-02-01,rant\n",
            "row 2, column 'category': not one of question",
        ),
        (
            "tickets",
            "ticket_id,customer_id,opened_at,out_of_scope\nT1,C1,2024-02-01,maybe\n",
            "row 2, column 'out_of_scope': not a boolean",
        ),
        (
            "tickets",
            "ticket_id,customer_id,opened_at,csat\nT1,C1,2024-02-01,6\n",
            "row 2, column 'csat': must be at most 5",
        ),
        (
            "tickets",
            "ticket_id,customer_id,opened_at,touchpoints\nT1,C1,2024-02-01,2.5\n",
            "row 2, column 'touchpoints': not a whole number",
        ),
        (
            "surveys",
            "response_id,customer_id,kind,submitted_at,reasons\nS1,C1,exit,2024-02-01,price;vibes\n",
            "row 2, column 'reasons': each ';'-separated value must be one of",
        ),
        (
            "orders",
            "order_id,customer_id,customer_id,ordered_at,amount\nO1,C1,C1,2024-01-01,1\n",
            "row 1, column 'customer_id': duplicated header name (columns 2 and 3)",
        ),
        (
            "orders",
            "order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01,1\nO2,C1\n",
            "row 3: malformed row: Expected Number of Columns: 4 Found: 2",
        ),
        ("orders", "", "the file is empty"),
    ],
)
def test_each_rule_is_located(
    ws: Workspace, tmp_path: Path, table: str, text: str, expected: str
) -> None:
    import_paths(ws, [write(tmp_path / "customers.csv", CUSTOMERS)])
    path = write(tmp_path / f"{table}.csv", text)
    problems = rejected(ws, path)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(path)) for p in problems)


def test_returns_must_follow_their_order(ws: Workspace, tmp_path: Path) -> None:
    c = write(tmp_path / "customers.csv", CUSTOMERS)
    o = write(tmp_path / "orders.csv", ORDERS)
    r = write(
        tmp_path / "returns.csv",
        "return_id,customer_id,returned_at,amount,order_id\n"
        "R1,C1,2024-01-04,10,O1\nR2,C1,2024-01-06,10,O1\n",
    )
    problems = rejected(ws, c, o, r)
    assert problems == [
        f"{r}, row 2, column 'returned_at': must not be before the ordered_at of "
        "its order (value '2024-01-04')"
    ]


def test_encodings(ws: Workspace, tmp_path: Path) -> None:
    bom = write(tmp_path / "a" / "customers.csv", "\ufeff" + CUSTOMERS)
    assert import_paths(ws, [bom]).inserted == 2
    latin = write(
        tmp_path / "b" / "customers.csv",
        "customer_id,name,acquired_at\nC9,Zoë,2024-01-01\n",
        "latin-1",
    )
    assert any("not UTF-8 encoded" in p for p in rejected(ws, latin))
    utf16 = write(tmp_path / "c" / "customers.csv", "\ufeff" + CUSTOMERS, "utf-16")
    assert any("UTF-16" in p for p in rejected(ws, utf16))


def test_all_or_nothing_across_files(ws: Workspace, tmp_path: Path) -> None:
    c = write(tmp_path / "customers.csv", CUSTOMERS)
    bad = write(tmp_path / "orders.csv", ORDERS + "O3,C1,2024-01-01,oops\n")
    rejected(ws, c, bad)
    assert rows(ws, "SELECT count(*) FROM customers") == [(0,)]
    assert rows(ws, "SELECT count(*) FROM _imports") == [(0,)]


def test_every_problem_reported_up_to_the_limit(ws: Workspace, tmp_path: Path) -> None:
    ws.settings_path.write_text("[import]\nmax_errors = 5\n")
    c = write(
        tmp_path / "customers.csv",
        "customer_id,acquired_at\n" + "".join(f"C{i},never\n" for i in range(12)),
    )
    with pytest.raises(ContractError) as info:
        import_paths(ws, [c])
    assert len(info.value.problems) == 5 and info.value.more == 7
    assert [p.row for p in info.value.problems] == [2, 3, 4, 5, 6]
    assert "7 more problem(s) not shown" in str(info.value)


def test_reference_to_customer_stored_earlier(ws: Workspace, tmp_path: Path) -> None:
    import_paths(ws, [write(tmp_path / "customers.csv", CUSTOMERS)])
    assert import_paths(ws, [write(tmp_path / "orders.csv", ORDERS)]).inserted == 2


def test_reviews_may_have_no_customer(ws: Workspace, tmp_path: Path) -> None:
    r = write(tmp_path / "reviews.csv", "review_id,posted_at,rating,text\nV1,2024-01-01,1,bad\n")
    import_paths(ws, [r])
    assert rows(ws, "SELECT customer_id, public FROM reviews") == [(None, True)]


def test_folder_and_unknown_file_names(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    write(folder / "customers.csv", CUSTOMERS)
    write(folder / "orders.csv", ORDERS)
    write(folder / "README.txt", "not a table")
    assert import_paths(ws, [folder]).inserted == 4
    odd = write(tmp_path / "stuff.csv", ORDERS)
    assert any("cannot tell which table" in p for p in rejected(ws, odd))
    assert import_paths(ws, [odd], table="orders").unchanged == 2


def test_typed_parquet_columns_are_checked_too(ws: Workspace, tmp_path: Path) -> None:
    import_paths(ws, [write(tmp_path / "customers.csv", CUSTOMERS)])
    con = duckdb.connect()
    orders = tmp_path / "orders.parquet"
    con.execute(
        "COPY (SELECT * FROM (VALUES ('O1', 'C1', TIMESTAMPTZ '2024-01-05 12:00:00+02', 10.5, 3), "
        "('O2', 'C2', TIMESTAMPTZ '2024-01-06 00:00:00+00', -1.0, NULL)) "
        f"t(order_id, customer_id, ordered_at, amount, cost)) TO '{orders}' (FORMAT parquet)"
    )
    problems = rejected(ws, orders)
    assert problems == [f"{orders}, row 3, column 'amount': must not be negative (value '-1.0')"]
    con.execute(
        "COPY (SELECT * FROM (VALUES ('O1', 'C1', TIMESTAMPTZ '2024-01-05 12:00:00+02', 10.5, 3), "
        "('O2', 'C2', TIMESTAMPTZ '2024-01-06 00:00:00+00', 1.25, NULL)) "
        f"t(order_id, customer_id, ordered_at, amount, cost)) TO '{orders}' (FORMAT parquet)"
    )
    returns = tmp_path / "returns.parquet"
    con.execute(
        "COPY (SELECT 'R1' AS return_id, 'C1' AS customer_id, TIMESTAMP '2024-01-04' AS "
        f"returned_at, 2.0 AS amount, 'O1' AS order_id) TO '{returns}' (FORMAT parquet)"
    )
    assert any(
        "must not be before the ordered_at of its order" in p for p in rejected(ws, orders, returns)
    )
    assert import_paths(ws, [orders]).inserted == 2
    assert rows(
        ws, "SELECT order_id, ordered_at::VARCHAR, amount, cost FROM orders ORDER BY 1"
    ) == [
        ("O1", "2024-01-05 10:00:00", pytest.approx(10.5), pytest.approx(3)),
        ("O2", "2024-01-06 00:00:00", pytest.approx(1.25), None),
    ]
