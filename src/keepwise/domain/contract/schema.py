"""The data contract v1 (DESIGN.md §3) as data: tables, columns, types and rules.

Validation, storage DDL, the demo generator and the docs all read this one description, so a
column added here is added everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The logical type of a contract column; each maps to one storage type."""

    ID = "id"
    TEXT = "text"
    TIMESTAMP = "timestamp"
    MONEY = "money"
    NUMBER = "number"
    INT = "int"
    BOOL = "bool"
    ENUM = "enum"
    ENUM_LIST = "enum_list"


STORAGE_TYPE: dict[Kind, str] = {
    Kind.ID: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.MONEY: "DECIMAL(18,2)",
    Kind.NUMBER: "DOUBLE",
    Kind.INT: "BIGINT",
    Kind.BOOL: "BOOLEAN",
    Kind.ENUM: "VARCHAR",
    Kind.ENUM_LIST: "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    """One contract column and the rules its values must satisfy."""

    name: str
    kind: Kind
    required: bool = False
    values: tuple[str, ...] = ()
    nonnegative: bool = False
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None
    default: str | None = None

    @property
    def storage_type(self) -> str:
        """Return the DuckDB type this column is stored as."""
        return STORAGE_TYPE[self.kind]


@dataclass(frozen=True)
class Table:
    """One contract table: its id column, its columns and the date-order rules between them."""

    name: str
    id_column: str
    columns: tuple[Column, ...]
    date_order: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Return the column names in contract order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Return the names of the columns every file of this table must have."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def event_time(self) -> str:
        """Return the column that dates this table's events: its first required timestamp."""
        return next(c.name for c in self.columns if c.kind is Kind.TIMESTAMP and c.required)

    @property
    def storage_order(self) -> tuple[str, ...]:
        """Return the columns the event store keeps this table's rows sorted by.

        Customer, then event time: every feature groups events by customer, and DuckDB
        aggregates and joins rows that arrive together far faster than rows scattered over
        a million customers (see docs/scale.md, "Rows stored by customer").
        """
        return ("customer_id", self.event_time)


def _id(name: str, required: bool = True, references: str | None = None) -> Column:
    return Column(name, Kind.ID, required=required, references=references)


def _ts(name: str, required: bool = False) -> Column:
    return Column(name, Kind.TIMESTAMP, required=required)


def _money(name: str, required: bool = False) -> Column:
    return Column(name, Kind.MONEY, required=required, nonnegative=True)


def _bool(name: str, default: str | None = None) -> Column:
    return Column(name, Kind.BOOL, default=default)


def _enum(name: str, values: tuple[str, ...], required: bool = False) -> Column:
    return Column(name, Kind.ENUM, required=required, values=values)


CUSTOMER = "customers"

INVOICE_STATUS = ("open", "paid", "void", "written_off")
TICKET_CATEGORY = (
    "question",
    "problem",
    "complaint",
    "change_request",
    "billing",
    "price_objection",
    "other",
)
ACTIVITY_KIND = ("meeting", "onboarding", "call", "email", "recommendation", "promise")
ACTIVITY_OUTCOME = (
    "attended",
    "no_show",
    "cancelled_late",
    "answered",
    "unanswered",
    "accepted",
    "declined",
    "ignored",
    "kept",
    "broken",
)
INCIDENT_KIND = (
    "abuse",
    "threat",
    "dishonesty",
    "unreasonable_demand",
    "ignored_advice",
    "policy_abuse",
    "unhappy",
    "other",
)
SURVEY_KIND = ("nps", "csat", "exit")
SURVEY_REASONS = (
    "price",
    "quality",
    "competitor_offer",
    "responsiveness",
    "broken_promise",
    "unresolved_complaint",
    "overall_dissatisfaction",
    "no_longer_needed",
    "other",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customers",
            "customer_id",
            (
                _id("customer_id"),
                Column("name", Kind.TEXT),
                Column("segment", Kind.TEXT),
                Column("country", Kind.TEXT),
                _ts("acquired_at", required=True),
                _ts("ended_at"),
                Column("end_reason", Kind.TEXT),
                _bool("strategic", default="false"),
                Column("owner", Kind.TEXT),
                Column("email", Kind.TEXT),
                _money("annual_contract_value"),
            ),
            date_order=(("acquired_at", "ended_at"),),
        ),
        Table(
            "orders",
            "order_id",
            (
                _id("order_id"),
                _id("customer_id", references=CUSTOMER),
                _ts("ordered_at", required=True),
                _money("amount", required=True),
                _money("cost"),
                _money("discount"),
                _money("list_amount"),
            ),
        ),
        Table(
            "returns",
            "return_id",
            (
                _id("return_id"),
                _id("customer_id", references=CUSTOMER),
                _ts("returned_at", required=True),
                _money("amount", required=True),
                _id("order_id", required=False),
                Column("reason", Kind.TEXT),
            ),
        ),
        Table(
            "invoices",
            "invoice_id",
            (
                _id("invoice_id"),
                _id("customer_id", references=CUSTOMER),
                _ts("issued_at", required=True),
                _ts("due_at", required=True),
                _money("amount", required=True),
                _ts("paid_at"),
                _money("amount_paid"),
                _enum("status", INVOICE_STATUS),
                _bool("disputed", default="false"),
                _money("discount"),
                Column("collection_touches", Kind.INT, nonnegative=True),
            ),
            date_order=(("issued_at", "due_at"), ("issued_at", "paid_at")),
        ),
        Table(
            "tickets",
            "ticket_id",
            (
                _id("ticket_id"),
                _id("customer_id", references=CUSTOMER),
                _ts("opened_at", required=True),
                _ts("first_response_at"),
                _ts("closed_at"),
                Column("channel", Kind.TEXT),
                _enum("category", TICKET_CATEGORY),
                Column("handle_minutes", Kind.NUMBER, nonnegative=True),
                Column("touchpoints", Kind.INT, nonnegative=True),
                _bool("after_hours", default="false"),
                _bool("out_of_scope", default="false"),
                _bool("reopened", default="false"),
                Column("csat", Kind.INT, minimum=1, maximum=5),
                Column("subject", Kind.TEXT),
                Column("body", Kind.TEXT),
            ),
            date_order=(("opened_at", "first_response_at"), ("opened_at", "closed_at")),
        ),
        Table(
            "activities",
            "activity_id",
            (
                _id("activity_id"),
                _id("customer_id", references=CUSTOMER),
                _enum("kind", ACTIVITY_KIND, required=True),
                _ts("at", required=True),
                _enum("outcome", ACTIVITY_OUTCOME, required=True),
                Column("minutes", Kind.NUMBER, nonnegative=True),
                Column("response_hours", Kind.NUMBER, nonnegative=True),
            ),
        ),
        Table(
            "incidents",
            "incident_id",
            (
                _id("incident_id"),
                _id("customer_id", references=CUSTOMER),
                _ts("reported_at", required=True),
                _enum("kind", INCIDENT_KIND, required=True),
                Column("reported_by", Kind.TEXT),
                Column("severity", Kind.INT, minimum=1, maximum=3),
                Column("description", Kind.TEXT),
            ),
        ),
        Table(
            "reviews",
            "review_id",
            (
                _id("review_id"),
                _ts("posted_at", required=True),
                Column("rating", Kind.INT, required=True, minimum=1, maximum=5),
                _id("customer_id", required=False, references=CUSTOMER),
                Column("source", Kind.TEXT),
                _bool("public", default="true"),
                Column("text", Kind.TEXT),
            ),
        ),
        Table(
            "surveys",
            "response_id",
            (
                _id("response_id"),
                _id("customer_id", references=CUSTOMER),
                _enum("kind", SURVEY_KIND, required=True),
                _ts("submitted_at", required=True),
                Column("score", Kind.NUMBER),
                Column("reasons", Kind.ENUM_LIST, values=SURVEY_REASONS),
                Column("comment", Kind.TEXT),
            ),
        ),
    )
}

# Returns must not precede the order they return; checked across tables when order_id is given.
CROSS_TABLE_DATE_ORDER = (("returns", "order_id", "returned_at", "orders", "ordered_at"),)

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
