"""Charts people would rather look at than read: the whale curve and the retention table.

Each function takes the JSON-able ``business`` dict of :func:`keepwise.domain.value.compute_value`
and returns a self-contained SVG string (or writes a PNG), drawn with matplotlib's Agg
backend so nothing needs a display and nothing is fetched at run time.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

_GREEN = "#1b7f5b"
_RED = "#b3261e"
_GREY = "#6b6b6b"


def _svg(fig: Figure) -> str:
    """Return ``fig`` as an SVG document (text kept as text, no external references)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "keepwise"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def _money(x: float, currency: str) -> str:
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e6:
        return f"{sign}{x / 1e6:,.1f}M {currency}"
    if x >= 1e4:
        return f"{sign}{x / 1e3:,.0f}k {currency}"
    return f"{sign}{x:,.0f} {currency}"


def _short(x: float) -> str:
    """Return an axis label for money: 1.2M, 350k, 900."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:,.1f}".rstrip("0").rstrip(".") + suffix
    return f"{x:,.0f}"


def _whale_figure(business: dict[str, Any]) -> Figure:
    """Draw the whale curve: cumulative profit by share of customers, most profitable first."""
    curve = business.get("whale_curve") or {}
    currency = str(business.get("currency", ""))
    fig = Figure(figsize=(7.5, 4.2), dpi=100)
    ax = fig.subplots()
    points = curve.get("points") or []
    if not points:
        ax.text(0.5, 0.5, "No data: no revenue to rank customers by", ha="center", va="center")
        ax.set_axis_off()
        return fig
    x = np.array([p["share"] for p in points]) * 100
    y = np.array([p["profit"] for p in points], dtype=float)
    total = float(curve.get("total_profit", y[-1]))
    peak = curve.get("peak") or {}
    ax.plot(x, y, color=_GREEN, linewidth=2, label="cumulative profit")
    ax.fill_between(x, y, total, where=y > total, color=_RED, alpha=0.12, interpolate=True)
    ax.axhline(total, color=_GREY, linewidth=1, linestyle="--")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.annotate(
        f"total {_money(total, currency)}",
        (100, total),
        textcoords="offset points",
        xytext=(-4, -12 if total >= 0 else 6),
        ha="right",
        color=_GREY,
        fontsize=8,
    )
    if peak:
        px, py = float(peak["share"]) * 100, float(peak["profit"])
        ax.plot([px], [py], "o", color=_GREEN)
        ax.annotate(
            f"peak {_money(py, currency)} at {px:.0f}% of customers",
            (px, py),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=8,
        )
    top20 = curve.get("top20_share")
    loss = float(curve.get("unprofitable_loss") or 0)
    n_bad = int(curve.get("unprofitable_count") or 0)
    subtitle = []
    if top20 is not None:
        subtitle.append(f"top 20% of customers bring {top20:.0%} of profit")
    if n_bad:
        subtitle.append(f"{n_bad:,} unprofitable customers cost {_money(loss, currency)}")
    ax.axvline(20, color=_GREY, linewidth=0.6, linestyle=":")
    ax.set_xlim(0, 100)
    ax.set_xlabel("customers, most profitable first (%)")
    ax.set_ylabel(f"cumulative profit ({currency})")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))
    ax.set_title("Whale curve" + ("\n" + "; ".join(subtitle) if subtitle else ""), fontsize=10)
    ax.grid(alpha=0.25)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def whale_curve_svg(business: dict[str, Any]) -> str:
    """Return the whale curve of ``business`` as a self-contained SVG string."""
    return _svg(_whale_figure(business))


def whale_curve_png(business: dict[str, Any], path: Path) -> Path:
    """Write the whale curve of ``business`` as a PNG file at ``path`` and return the path."""
    fig = _whale_figure(business)
    fig.savefig(path, format="png", bbox_inches="tight", dpi=150)
    return Path(path)


def retention_heatmap_svg(business: dict[str, Any]) -> str:
    """Return the cohort retention table (acquisition year × year) as an SVG heat map."""
    table = ((business.get("churn") or {}).get("cohorts")) or {}
    cohorts = list(table.get("cohorts") or [])
    years = list(table.get("years") or [])
    sizes = list(table.get("sizes") or [])
    rows = [
        (c, s, r)
        for c, s, r in zip(cohorts, sizes, table.get("retention") or [], strict=False)
        if s
    ]
    fig = Figure(figsize=(1.8 + 0.7 * max(len(years), 1), 1.2 + 0.4 * max(len(rows), 1)))
    ax = fig.subplots()
    if not rows:
        ax.text(0.5, 0.5, "No data: no customers with an acquisition date", ha="center")
        ax.set_axis_off()
        return _svg(fig)
    grid = np.array(
        [[np.nan if v is None else float(v) for v in r] for _, _, r in rows], dtype=float
    )
    ax.imshow(np.ma.masked_invalid(grid), cmap="Greens", vmin=0, vmax=1, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if np.isfinite(grid[i, j]):
                ax.text(
                    j,
                    i,
                    f"{grid[i, j]:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if grid[i, j] > 0.6 else "black",
                )
    ax.set_xticks(range(len(years)), [str(y) for y in years], fontsize=8)
    ax.set_yticks(range(len(rows)), [f"{c} (n={s:,})" for c, s, _ in rows], fontsize=8)
    ax.set_xlabel("still customers at the end of year")
    ax.set_ylabel("acquired in")
    ax.set_title("Retention by acquisition cohort", fontsize=10)
    return _svg(fig)
