"""Dashboard charts drawn with matplotlib as inline SVG (no JavaScript, no CDN).

Each function takes figures already aggregated in SQL (at most a hundred points) and returns an
``<svg>`` string to embed in a page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

_COLORS = {"ink": "#1f2937", "good": "#15803d", "bad": "#b91c1c", "accent": "#1d4ed8"}
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)


def _svg(fig: Figure, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    body = _XML_HEAD.sub("", buf.getvalue(), count=1)
    body = body.replace("<svg ", f'<svg role="img" aria-label="{title}" class="chart" ', 1)
    return body


def _figure(width: float = 5.6, height: float = 3.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=72)
    fig.set_layout_engine("tight")
    return fig


def whale_curve_svg(curve: Sequence[float], top20_share: float) -> str:
    """Draw the whale curve: cumulative share of profit against share of customers.

    ``curve[p]`` is the share of total profit earned by the most profitable ``p`` percent of
    customers (``curve[0] == 0``). A hump above 100% means the tail destroys profit.
    """
    fig = _figure()
    ax = fig.add_subplot()
    xs = list(range(len(curve)))
    ys = [100.0 * v for v in curve]
    ax.plot(xs, ys, color=_COLORS["accent"], linewidth=2)
    ax.axhline(100, color=_COLORS["ink"], linewidth=0.8, linestyle="--")
    ax.axvline(20, color=_COLORS["bad"], linewidth=0.8, linestyle=":")
    ax.annotate(
        f"top 20% → {100 * top20_share:.0f}% of profit",
        xy=(20, 100 * top20_share),
        xytext=(30, max(ys or [0]) * 0.55 if ys else 50),
        arrowprops={"arrowstyle": "->", "color": _COLORS["ink"]},
        fontsize=9,
    )
    ax.set_xlabel("customers, most profitable first (%)")
    ax.set_ylabel("cumulative profit (%)")
    ax.set_xlim(0, 100)
    ax.grid(alpha=0.3)
    return _svg(fig, "Whale curve")


def bars_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    signed: bool = False,
) -> str:
    """Draw horizontal bars, largest on top; ``signed`` colours negatives red."""
    height = max(1.6, 0.32 * len(labels) + 0.8)
    fig = _figure(height=height)
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    colors = [
        _COLORS["bad"] if signed and v < 0 else _COLORS["good"] if signed else _COLORS["accent"]
        for v in values
    ]
    ax.barh(ys, list(values), color=colors)
    ax.set_yticks(ys, [str(label) for label in labels], fontsize=9)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig, title)


def actions_svg(actions: Sequence[Mapping[str, Any]]) -> str:
    """Draw the number of customers per recommended action."""
    return bars_svg(
        [str(a["action"]) for a in actions],
        [float(a["customers"] or 0) for a in actions],
        title="Customers by action",
        xlabel="customers",
    )


def actions_value_svg(actions: Sequence[Mapping[str, Any]]) -> str:
    """Draw the profit of the customers behind each recommended action."""
    return bars_svg(
        [str(a["action"]) for a in actions],
        [float(a["profit"] or 0) for a in actions],
        title="Profit by action",
        xlabel="profit",
        signed=True,
    )


def signals_svg(signals: Sequence[Mapping[str, Any]]) -> str:
    """Draw the signal league table: customers flagged per sign of a bad customer."""
    return bars_svg(
        [str(s["signal"]).replace("_", " ") for s in signals],
        [float(s["flag"] or 0) for s in signals],
        title="Customers flagged per sign",
        xlabel="customers flagged",
    )
