"""The business report's own charts: signal league, actions, exit reasons, complaint replies.

Each function takes rows the report already computed (never events) and returns an SVG
document drawn with matplotlib's object API, so charts can be drawn from several threads and
nothing is fetched when the report is opened.
"""

from __future__ import annotations

import functools
import inspect
import io
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from keepwise.reports.vocabulary import N_, label

GREEN = "#1b7f5b"
RED = "#b3261e"
AMBER = "#c77c02"
GREY = "#8a8a8a"
MAX_BARS = 12

CJK_FONTS = {"ja": "Noto Sans CJK JP", "zh_Hant": "Noto Sans CJK TC"}
"""Fallback fonts that hold the Japanese and Chinese glyphs (Debian: fonts-noto-cjk)."""

_XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
P = ParamSpec("P")


@contextmanager
def drawing(lang: str) -> Iterator[None]:
    """Draw in the style of the report, with a font fallback for ``lang``'s script.

    Text stays text in the SVG (the viewer picks the font); matplotlib only measures it, so a
    missing glyph warning on a machine without CJK fonts is silenced rather than fatal.
    """
    families = ["DejaVu Sans"] + ([CJK_FONTS[lang]] if lang in CJK_FONTS else [])
    style: dict[str, Any] = {
        "font.family": families,
        "svg.fonttype": "none",
        "svg.hashsalt": "keepwise",
    }
    with matplotlib.rc_context(style), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing from font", category=UserWarning
        )
        warnings.filterwarnings("ignore", message="findfont", category=UserWarning)
        yield


def _drawn(fn: Callable[P, str]) -> Callable[P, str]:
    """Run a chart function inside :func:`drawing` for its ``lang`` argument."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        with drawing(str(bound.arguments.get("lang", "en"))):
            return fn(*args, **kwargs)

    return wrapper


def svg_document(fig: Figure) -> str:
    """Return ``fig`` as an inline-ready SVG element (no XML prologue, text kept as text)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return _XML_PROLOGUE.sub("", buf.getvalue(), count=1)


def inline_svg(svg: str) -> str:
    """Strip the XML prologue and DOCTYPE of an SVG document so it can sit inside HTML."""
    return _XML_PROLOGUE.sub("", svg, count=1)


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.subplots()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def _no_data(message: str) -> str:
    fig, ax = _figure(6.0, 0.8)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=9, color=GREY)
    ax.set_axis_off()
    return svg_document(fig)


def short_money(x: float, currency: str = "") -> str:
    """Format an axis amount compactly (12k, 1.2M) with an optional currency code."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e6:
        text = f"{x / 1e6:,.1f}M"
    elif x >= 1e4:
        text = f"{x / 1e3:,.0f}k"
    else:
        text = f"{x:,.0f}"
    return f"{sign}{text}" + (f" {currency}" if currency else "")


@_drawn
def signal_league_svg(rows: Sequence[dict[str, Any]], currency: str, lang: str = "en") -> str:
    """Draw, per sign, the customers flagged (and watched) and the profit they make or lose."""
    rows = [r for r in rows if (r["flag"] or r["watch"])]
    if not rows:
        return _no_data(label(N_("No customer shows any warning sign in this run."), lang))
    labels = [str(r["label"]) for r in rows][::-1]
    flags = [int(r["flag"]) for r in rows][::-1]
    watches = [int(r["watch"]) for r in rows][::-1]
    profit = [float(r["flag_profit"] or 0) for r in rows][::-1]
    fig = Figure(figsize=(7.5, 0.45 * len(rows) + 1.1), dpi=100)
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 1]})
    y = range(len(rows))
    left.barh(y, flags, color=RED, label=label(N_("flag"), lang))
    left.barh(y, watches, left=flags, color=AMBER, alpha=0.6, label=label(N_("watch"), lang))
    left.set_yticks(list(y), labels, fontsize=8)
    left.set_xlabel(label(N_("customers"), lang), fontsize=8)
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.legend(fontsize=7, frameon=False, loc="lower right")
    right.barh(y, profit, color=[GREEN if p >= 0 else RED for p in profit])
    right.axvline(0, color="black", linewidth=0.6)
    right.set_xlabel(
        label(N_("profit of flagged customers (%(currency)s)"), lang) % {"currency": currency},
        fontsize=8,
    )
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: short_money(v)))
    right.xaxis.set_major_locator(MaxNLocator(4))
    for ax in (left, right):
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return svg_document(fig)


@_drawn
def actions_svg(rows: Sequence[dict[str, Any]], currency: str, lang: str = "en") -> str:
    """Draw, per recommended action, the customers and the money at stake."""
    rows = [r for r in rows if r["customers"]]
    if not rows:
        return _no_data(label(N_("No recommended actions in this run."), lang))
    fig = Figure(figsize=(7.5, 0.4 * len(rows) + 1.1), dpi=100)
    left, right = fig.subplots(1, 2, sharey=True)
    labels = [str(r["label"]) for r in rows][::-1]
    y = list(range(len(rows)))
    left.barh(y, [int(r["customers"]) for r in rows][::-1], color=GREY)
    left.set_yticks(y, labels, fontsize=8)
    left.set_xlabel(label(N_("customers"), lang), fontsize=8)
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.barh(y, [float(r["at_stake"] or 0) for r in rows][::-1], color=GREEN)
    right.set_xlabel(
        label(N_("money at stake (%(currency)s)"), lang) % {"currency": currency}, fontsize=8
    )
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: short_money(v)))
    right.xaxis.set_major_locator(MaxNLocator(4))
    for ax in (left, right):
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return svg_document(fig)


@_drawn
def reasons_svg(rows: Sequence[dict[str, Any]], currency: str, lang: str = "en") -> str:
    """Draw why customers left: the most given reasons, with the yearly revenue they took."""
    rows = sorted((r for r in rows if r["customers"]), key=lambda r: -int(r["customers"]))
    rows = rows[:MAX_BARS]
    if not rows:
        return _no_data(label(N_("No data: no exit surveys and no end reasons."), lang))
    fig, ax = _figure(7.5, 0.4 * len(rows) + 1.0)
    labels = [str(r["label"]) for r in rows][::-1]
    counts = [int(r["customers"]) for r in rows][::-1]
    money = [r.get("revenue_per_year") for r in rows][::-1]
    y = list(range(len(rows)))
    ax.barh(y, counts, color=RED, alpha=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(label(N_("customers who gave this reason"), lang), fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for i, (n, m) in enumerate(zip(counts, money, strict=True)):
        note = f" {n:,}" + (f" · {short_money(float(m), currency)}" if m else "")
        ax.text(n, i, note, va="center", fontsize=7)
    ax.set_xlim(0, max(counts) * 1.35)
    fig.tight_layout()
    return svg_document(fig)


@_drawn
def response_time_svg(buckets: Sequence[tuple[str, int]], lang: str = "en") -> str:
    """Draw how long complaints waited for our first answer, by waiting-time band."""
    if not any(n for _, n in buckets):
        return _no_data(label(N_("No data: no complaint tickets."), lang))
    fig, ax = _figure(7.5, 2.4)
    labels = [b for b, _ in buckets]
    counts = [n for _, n in buckets]
    colors = [GREEN, GREEN, AMBER, RED, RED, RED][: len(buckets)]
    ax.bar(range(len(buckets)), counts, color=colors)
    ax.set_xticks(range(len(buckets)), labels, fontsize=8)
    ax.set_ylabel(label(N_("complaints"), lang), fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(label(N_("Time to our first answer"), lang), fontsize=9)
    fig.tight_layout()
    return svg_document(fig)
