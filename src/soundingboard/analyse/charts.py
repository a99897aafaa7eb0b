"""Charts as SVG text, drawn on the server: no JavaScript, no external files, no inline styles.

Each chart is an `<svg role="img">` whose `<title>` names it and whose `<desc>` says what it
shows in words (the largest values, the total, what is hidden), for people who cannot see it;
the page shows the same numbers in a table beside it. Charts scale to the width of their
container (viewBox, no fixed size) and print in black and white: bars carry their values as
text, and the five scores differ by pattern as well as by colour.

Colours are set with SVG presentation attributes (a Content-Security-Policy forbids `style`
attributes), so a stylesheet can still override them. Every colour used for data has a
contrast of at least 3:1 with white (WCAG 2.2, 1.4.11), and segments are separated by white
gaps, so each is compared with white, not with its neighbour.

All text (page titles, option names, idea names come from configuration) is escaped. The same
data always gives the same SVG.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .tables import Count, Row, Suppressed, Table, is_suppressed

if TYPE_CHECKING:
    from .stats.ideas import IdeasResult, IdeaStats, Summary
    from .stats.overview import TimeSeries

# A label's box on the scatter: left, top, right, bottom.
_Box = tuple[float, float, float, float]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
TEXT = "#0b0c0c"  # 19.6:1 with white
SECONDARY_TEXT = "#505a5f"  # 7.1:1
BAR = "#1d70b8"  # 5.2:1
AXIS = "#0b0c0c"
GRID = "#b1b4b6"  # gridlines only: they are decoration, the values are labelled
WIDTH = 640
SCALE = (1.0, 5.0)  # the questionnaire's scores: every score axis runs the whole of it
MAX_COLUMN_WIDTH = 40  # of a time series' column, in pixels
CHAR_WIDTH = 0.56  # of the font size: a generous average for the system fonts, for wrapping

# Scores 1 to 5: red for low, grey for the middle, blue for high. Contrast with white:
# 8.3, 4.9, 4.6, 5.2 and 10.3 to 1. Patterns tell 1 from 2 and 4 from 5 without colour.
SCORE_COLOURS = ("#942514", "#d4351c", "#6f777b", "#1d70b8", "#12436d")
SCORE_PATTERNS = ("solid", "hatch-up", "dots", "hatch-down", "solid")

# Characters XML 1.0 cannot hold: control characters other than tab and line breaks.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def sentence(text: str) -> str:
    """Text ending as a sentence does: a full stop added unless it ends with . ? or !."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else f"{text}."


def esc(text: object) -> str:
    """Text made safe for SVG content and attribute values."""
    return html.escape(INVALID_XML.sub("", str(text)), quote=True)


def number(value: Count | float | None, places: int = 0) -> str:
    if value is None:
        return "none"
    if is_suppressed(value):
        return "[c]"
    if places:
        return f"{value:,.{places}f}"
    return f"{value:,}"


def percent(part: int, whole: int) -> str:
    if not whole:
        return "0%"
    share = 100 * part / whole
    return f"{share:.0f}%" if share >= 1 or share == 0 else "less than 1%"


# Bar chart ----------------------------------------------------------------------------------


def bar_chart(
    table: Table,
    *,
    title: str | None = None,
    column: str | None = None,
    unit: str = "responses",
    id_prefix: str | None = None,
) -> str:
    """Horizontal bars, one per row of `table` (its row totals, or one column's counts),
    each labelled with its name above and its count at its end."""
    title = title or table.title
    values = [_value(table, row, column) for row in table.rows]
    shown = [v for v in values if not is_suppressed(v)]
    top = max(shown, default=0) or 1
    label_size, gap, bar_height = 14, 6, 18
    value_room = 90
    scale = (WIDTH - value_room) / top
    parts: list[str] = []
    y = 8
    for row, value in zip(table.rows, values, strict=True):
        for line in wrap(row.label, WIDTH - 6, label_size):
            y += label_size + 2
            parts.append(_text(6, y, line, size=label_size))
        y += 4
        if is_suppressed(value):
            parts.append(_text(6, y + 13, "[c] hidden", size=13, fill=SECONDARY_TEXT))
        else:
            width = value * scale
            if value:
                parts.append(
                    f'<rect x="0" y="{y}" width="{_f(max(width, 1))}" height="{bar_height}" '
                    f'fill="{BAR}" class="sb-chart__bar"/>'
                )
            parts.append(_text(width + 6, y + 13, number(value), size=13))
        y += bar_height + gap
    height = y + 4
    parts.insert(0, f'<line x1="0.5" y1="8" x2="0.5" y2="{height - 4}" stroke="{AXIS}"/>')
    desc = _bar_desc(table, values, title, unit)
    return _svg("bar", title, desc, parts, height, id_prefix)


def _value(table: Table, row: Row, column: str | None) -> Count:
    if column is None:
        return row.total
    index = [c.key for c in table.columns].index(column)
    return row.cells[index]


def _bar_desc(table: Table, values: list[Count], title: str, unit: str) -> str:
    counted = [
        (row.label, v) for row, v in zip(table.rows, values, strict=True) if not is_suppressed(v)
    ]
    total = sum(v for _, v in counted)
    ranked = sorted(counted, key=lambda pair: -pair[1])
    sentences = [sentence(f"Bar chart: {title}")]
    if is_suppressed(table.n):
        sentences.append(f"Based on fewer than {table.n.threshold} {unit}.")
    else:
        sentences.append(f"Based on {number(table.n)} {unit}.")
    top = [(label, v) for label, v in ranked[:3] if v]
    if top:
        listed = "; ".join(f"{label}: {number(v)} ({percent(v, total)})" for label, v in top)
        sentences.append(f"Most: {listed}.")
    zero = sum(1 for _, v in counted if v == 0)
    if zero:
        sentences.append(f"{zero} of {len(values)} with none.")
    hidden = len(values) - len(counted)
    if hidden:
        sentences.append(f"{hidden} small counts hidden.")
    return " ".join(sentences)


# Time series --------------------------------------------------------------------------------


def time_series(
    series: TimeSeries, *, title: str | None = None, id_prefix: str | None = None
) -> str:
    """Responses per period (a `stats.TimeSeries`) as columns on a labelled axis."""
    table: Table = series.table
    title = title or f"Responses per {series.interval}"
    values = [row.total for row in table.rows]
    shown = [v for v in values if not is_suppressed(v)]
    left, right, top_margin, plot_height = 56, 8, 12, 200
    height = top_margin + plot_height + 44
    parts: list[str] = []
    if not values:
        parts.append(_text(WIDTH / 2, 100, "No responses in this period", anchor="middle"))
        return _svg("time", title, f"Column chart: {title}. No responses.", parts, 140, id_prefix)
    ceiling, step = _nice_scale(max(shown, default=0))
    base = top_margin + plot_height
    plot_width = WIDTH - left - right
    for tick in range(0, ceiling + 1, step):
        y = base - plot_height * tick / ceiling
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{WIDTH - right}" y2="{_f(y)}" '
            f'stroke="{GRID if tick else AXIS}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, number(tick), size=12, anchor="end"))
    slot = plot_width / len(values)
    # A few periods are narrow columns, not a bar across the chart.
    column_width = min(max(slot * 0.8, 1), MAX_COLUMN_WIDTH)
    for i, value in enumerate(values):
        if is_suppressed(value) or not value:
            continue
        column_height = plot_height * value / ceiling
        parts.append(
            f'<rect x="{_f(left + i * slot + (slot - column_width) / 2)}" '
            f'y="{_f(base - column_height)}" width="{_f(column_width)}" '
            f'height="{_f(column_height)}" fill="{BAR}" class="sb-chart__bar"/>'
        )
    every = max(1, math.ceil(len(values) / 6))
    for i in range(0, len(values), every):
        x = left + i * slot + slot / 2
        parts.append(
            f'<line x1="{_f(x)}" y1="{base}" x2="{_f(x)}" y2="{base + 5}" stroke="{AXIS}"/>'
        )
        parts.append(
            _text(
                x,
                base + 20,
                _short_period(series.interval, series.periods[i][0]),
                size=12,
                anchor="middle",
            )
        )
    parts.append(
        _text(left, height - 4, f"Responses per {series.interval}", size=12, fill=SECONDARY_TEXT)
    )
    return _svg("time", title, _time_desc(series, title, values), parts, height, id_prefix)


def _time_desc(series: TimeSeries, title: str, values: list[Count]) -> str:
    table: Table = series.table
    first, last = series.periods[0][0], series.periods[-1][1]
    sentences = [
        f"Column chart: {title.rstrip('.?!')}, from {_day(first)} to {_day(last)}."
        if first != last
        else f"Column chart: {title.rstrip('.?!')}, on {_day(first)}.",
        f"{number(table.n)} responses in total."
        if not is_suppressed(table.n)
        else f"Fewer than {table.n.threshold} responses in total.",
    ]
    shown = [(row, v) for row, v in zip(table.rows, values, strict=True) if not is_suppressed(v)]
    if any(v for _, v in shown):  # counts are never negative: the same as max(...) > 0
        row, value = max(shown, key=lambda pair: (pair[1], -table.rows.index(pair[0])))
        sentences.append(f"Most in one {series.interval}: {number(value)}, {row.label}.")
    empty = sum(1 for _, v in shown if v == 0)
    if empty:
        sentences.append(f"{empty} of {len(values)} {series.interval}s with none.")
    hidden = len(values) - len(shown)
    if hidden:
        sentences.append(f"{hidden} small counts hidden.")
    return " ".join(sentences)


def _nice_scale(top: int) -> tuple[int, int]:
    """An axis maximum of at least `top`, and a step (1, 2 or 5 times a power of ten) that
    divides it into at most 5 parts."""
    if top <= 0:
        return 1, 1
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(top / step) <= 5:
                return step * math.ceil(top / step), step
        magnitude *= 10


def _short_period(interval: str, start: dt.date) -> str:
    if interval == "month":
        return f"{start:%b %Y}"
    return f"{start.day} {start:%b}"


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


# Score distributions ------------------------------------------------------------------------


def distribution_chart(
    rows: Sequence[tuple[str, Summary]],
    *,
    title: str,
    low: str = "Not at all",
    high: str = "Very",
    id_prefix: str | None = None,
) -> str:
    """One bar per (label, `stats.Summary`), split into the shares who scored 1 to 5."""
    label_size, bar_height = 14, 22
    legend_y = 18
    prefix = id_prefix or _auto_id("distribution", title, rows)
    parts = [_defs(prefix)]
    x = 0.0
    for value in range(1, 6):
        word = f"{value} {low}" if value == 1 else f"{value} {high}" if value == 5 else str(value)
        parts.append(_swatch(x, legend_y - 12, value, prefix))
        parts.append(_text(x + 20, legend_y, word, size=13))
        x += 28 + len(word) * 13 * CHAR_WIDTH + 10
    y = legend_y + 14
    bar_width = WIDTH - 120
    for label, summary in rows:
        for line in wrap(label, WIDTH, label_size):
            y += label_size + 2
            parts.append(_text(0, y, line, size=label_size))
        y += 4
        counts = _shown_counts(summary)
        if counts is None:
            parts.append(
                _text(0, y + 15, "[c] hidden: too few to show", size=13, fill=SECONDARY_TEXT)
            )
        elif not counts[0]:
            parts.append(_text(0, y + 15, "No scores", size=13, fill=SECONDARY_TEXT))
        else:
            n, distribution = counts
            x = 0.0
            for value, count in enumerate(distribution, start=1):
                width = bar_width * count / n
                if width >= 0.5:
                    parts.append(_segment(x, y, max(width - 1.5, 0.5), bar_height, value, prefix))
                x += width
            mean = summary.mean
            note = f"n {number(n)}" + ("" if is_suppressed(mean) else f", mean {number(mean, 1)}")
            parts.append(_text(bar_width + 8, y + 15, note, size=13))
        y += bar_height + 8
    desc = _distribution_desc(rows, title, low, high)
    return _svg("distribution", title, desc, parts, y + 4, prefix)


def distribution_bar(
    summary: Summary,
    *,
    title: str,
    low: str = "Not at all",
    high: str = "Very",
    id_prefix: str | None = None,
) -> str:
    """One bar of the shares who scored 1 to 5 (a `stats.Summary`)."""
    return distribution_chart(
        [("All respondents", summary)], title=title, low=low, high=high, id_prefix=id_prefix
    )


def _distribution_desc(rows: Sequence[tuple[str, Summary]], title: str, low: str, high: str) -> str:
    sentences = [sentence(f"Stacked bar chart: {title}"), f"Scores from 1 ({low}) to 5 ({high})."]
    for label, summary in rows:
        counts = _shown_counts(summary)
        if counts is None:
            sentences.append(f"{label}: hidden, too few to show.")
        elif not counts[0]:
            sentences.append(f"{label}: no scores.")
        else:
            n, distribution = counts
            shares = ", ".join(f"{v}: {percent(c, n)}" for v, c in enumerate(distribution, start=1))
            mean = "" if is_suppressed(summary.mean) else f", mean {number(summary.mean, 1)}"
            sentences.append(f"{label} ({number(n)} scores{mean}): {shares}.")
    return " ".join(sentences)


def _shown_counts(summary: Summary) -> tuple[int, tuple[int, ...]] | None:
    """A summary's n and its counts of 1 to 5, or None when any of them is hidden."""
    distribution = tuple(c for c in summary.distribution if not is_suppressed(c))
    if is_suppressed(summary.n) or len(distribution) < len(summary.distribution):
        return None
    return summary.n, distribution


def _defs(prefix: str) -> str:
    patterns = []
    for value, (colour, kind) in enumerate(zip(SCORE_COLOURS, SCORE_PATTERNS, strict=True), 1):
        if kind == "solid":
            continue
        if kind == "dots":
            mark = '<circle cx="3" cy="3" r="1.2" fill="#ffffff"/>'
            size, transform = 6, ""
        else:
            mark = '<rect x="0" y="0" width="2" height="6" fill="#ffffff"/>'
            size = 6
            transform = f' patternTransform="rotate({45 if kind == "hatch-up" else -45})"'
        patterns.append(
            f'<pattern id="{prefix}-p{value}" width="{size}" height="{size}" '
            f'patternUnits="userSpaceOnUse"{transform}>'
            f'<rect width="{size}" height="{size}" fill="{colour}"/>{mark}</pattern>'
        )
    return "<defs>" + "".join(patterns) + "</defs>"


def _paint(value: int, prefix: str) -> str:
    if SCORE_PATTERNS[value - 1] == "solid":
        return SCORE_COLOURS[value - 1]
    return f"url(#{prefix}-p{value})"


def _segment(x: float, y: float, width: float, height: float, value: int, prefix: str) -> str:
    return (
        f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(width)}" height="{height}" '
        f'fill="{_paint(value, prefix)}" class="sb-chart__score sb-chart__score--{value}"/>'
    )


def _swatch(x: float, y: float, value: int, prefix: str) -> str:
    return (
        f'<rect x="{_f(x)}" y="{_f(y)}" width="14" height="14" fill="{_paint(value, prefix)}" '
        f'stroke="{SCORE_COLOURS[value - 1]}"/>'
    )


# Scatter of ideas ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    number: int
    name: str
    x: float | None
    y: float | None
    n_x: Count
    n_y: Count


def scatter(
    ideas: IdeasResult | Sequence[IdeaStats],
    *,
    title: str = "Ideas by usefulness and likelihood of use",
    x_label: str = "Usefulness (mean score)",
    y_label: str = "Likelihood of use (mean score)",
    id_prefix: str | None = None,
) -> str:
    """Each idea at its mean usefulness (across) and likelihood (up), numbered, with a key.

    `ideas` is a `stats.IdeasResult` or a sequence of `stats.IdeaStats`. Both axes always
    run the whole scale, 1 to 5: zoomed in to the means, small differences looked large.
    """
    items = ideas if isinstance(ideas, Sequence) else ideas.ideas
    points = [
        _Point(
            i.number,
            i.name,
            _mean(i.usefulness.overall.mean),
            _mean(i.likelihood.overall.mean),
            i.usefulness.overall.n,
            i.likelihood.overall.n,
        )
        for i in items
    ]
    placed = [(p, p.x, p.y) for p in points if p.x is not None and p.y is not None]
    left, top, size = 60, 12, 360
    low_x, high_x = low_y, high_y = SCALE
    parts: list[str] = []

    def sx(v: float) -> float:
        return left + size * (v - low_x) / (high_x - low_x)

    def sy(v: float) -> float:
        return top + size * (high_y - v) / (high_y - low_y)

    for tick in _half_points(low_x, high_x):
        x = sx(tick)
        parts.append(
            f'<line x1="{_f(x)}" y1="{top}" x2="{_f(x)}" y2="{top + size}" stroke="{GRID}"/>'
        )
        parts.append(_text(x, top + size + 18, f"{tick:.1f}", size=12, anchor="middle"))
    for tick in _half_points(low_y, high_y):
        y = sy(tick)
        parts.append(
            f'<line x1="{left}" y1="{_f(y)}" x2="{left + size}" y2="{_f(y)}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, f"{tick:.1f}", size=12, anchor="end"))
    parts.append(
        f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="{AXIS}"/>'
    )
    parts.append(_text(left + size / 2, top + size + 38, x_label, size=13, anchor="middle"))
    parts.append(
        f'<text x="14" y="{_f(top + size / 2)}" font-size="13" fill="{TEXT}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_f(top + size / 2)})">{esc(y_label)}</text>'
    )
    taken: list[_Box] = []
    for _, px, py in placed:
        cx, cy = sx(px), sy(py)
        taken.append((cx - 5, cy - 5, cx + 5, cy + 5))
    for p, px, py in placed:
        cx, cy = sx(px), sy(py)
        parts.append(
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="5" fill="{BAR}" stroke="#ffffff" '
            f'stroke-width="1.5" class="sb-chart__point"/>'
        )
        label = str(p.number)
        width = len(label) * 13 * 0.62 + 2
        for dx, dy, anchor in _LABEL_PLACES:
            x0 = cx + dx - (width if anchor == "end" else width / 2 if anchor == "middle" else 0)
            box = (x0, cy + dy - 11, x0 + width, cy + dy + 2)
            if not any(_overlap(box, other) for other in taken):
                break
        taken.append(box)
        parts.append(
            f'<text x="{_f(cx + dx)}" y="{_f(cy + dy)}" font-size="13" font-weight="bold" '
            f'fill="{TEXT}" text-anchor="{anchor}">{esc(label)}</text>'
        )
    y = top + size + 52
    key_x = 0
    for p in points:
        if p.x is None or p.y is None:
            detail = "not enough scores to place"
        else:
            detail = (
                f"usefulness {p.x:.2f} (n {number(p.n_x)}), "
                f"likelihood {p.y:.2f} (n {number(p.n_y)})"
            )
        for j, line in enumerate(wrap(f"{p.number}. {p.name}: {detail}", WIDTH - 20, 13)):
            y += 17
            parts.append(_text(key_x + (0 if j == 0 else 20), y, line, size=13))
    desc = _scatter_desc(points, title, x_label, y_label)
    return _svg("scatter", title, desc, parts, y + 8, id_prefix)


# Where a point's number may go (right, left, above, below, then further out), first free wins.
_LABEL_PLACES = (
    (8, 4, "start"),
    (-8, 4, "end"),
    (0, -9, "middle"),
    (0, 17, "middle"),
    (7, -6, "start"),
    (-7, -6, "end"),
    (7, 15, "start"),
    (-7, 15, "end"),
    (18, 4, "start"),
    (-18, 4, "end"),
    (0, -21, "middle"),
    (0, 29, "middle"),
)


def _mean(value: float | Suppressed | None) -> float | None:
    return None if value is None or is_suppressed(value) else float(value)


def _half_points(low: float, high: float) -> list[float]:
    step = 0.5 if high - low <= 2.5 else 1.0
    ticks, value = [], math.ceil(low / step) * step
    while value <= high + 1e-9:
        ticks.append(round(value, 1))
        value += step
    return ticks


def _overlap(a: _Box, b: _Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _scatter_desc(points: list[_Point], title: str, x_label: str, y_label: str) -> str:
    placed = [p for p in points if p.x is not None and p.y is not None]
    sentences = [
        sentence(f"Scatter chart: {title}"),
        f"{len(placed)} ideas placed by {x_label.lower()} across and "
        f"{y_label.lower()} up, on a scale of 1 to 5.",
    ]
    if placed:
        best_x = max(placed, key=lambda p: (p.x, -p.number))
        best_y = max(placed, key=lambda p: (p.y, -p.number))
        worst_x = min(placed, key=lambda p: (p.x, p.number))
        sentences.append(f"Most useful: {best_x.number}. {best_x.name} ({best_x.x:.2f}).")
        sentences.append(
            f"Most likely to be used: {best_y.number}. {best_y.name} ({best_y.y:.2f})."
        )
        sentences.append(f"Least useful: {worst_x.number}. {worst_x.name} ({worst_x.x:.2f}).")
    missing = len(points) - len(placed)
    if missing:
        sentences.append(f"{missing} ideas without enough scores are not placed.")
    return " ".join(sentences)


# Shared -------------------------------------------------------------------------------------


def wrap(text: str, width: float, size: int) -> list[str]:
    """Lines of at most the characters that fit `width` at font `size` (an estimate)."""
    limit = max(8, int(width / (size * CHAR_WIDTH)))
    lines, line = [], ""
    for word in str(text).split():
        while len(word) > limit:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[: limit - 1] + "-")
            word = word[limit - 1 :]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= limit:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 14,
    fill: str = TEXT,
    anchor: str = "start",
) -> str:
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" fill="{fill}"{anchor_attr}>'
        f"{esc(text)}</text>"
    )


def _f(value: float) -> str:
    """A coordinate with at most one decimal place, the same on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _auto_id(kind: str, title: str, data: object) -> str:
    digest = hashlib.sha256(f"{kind}\n{title}\n{data!r}".encode()).hexdigest()[:10]
    return f"sb-{kind}-{digest}"


def _svg(
    kind: str, title: str, desc: str, parts: list[str], height: float, id_prefix: str | None
) -> str:
    prefix = id_prefix or _auto_id(kind, title, (desc, len(parts)))
    height = math.ceil(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{esc(prefix)}-title" aria-describedby="{esc(prefix)}-desc" '
        f'class="sb-chart sb-chart--{kind}" font-family="{esc(FONT)}" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{esc(prefix)}-title">{esc(title)}</title>'
        f'<desc id="{esc(prefix)}-desc">{esc(desc)}</desc>' + "".join(parts) + "</svg>"
    )
