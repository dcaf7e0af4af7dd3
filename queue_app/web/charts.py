"""Charts drawn on the server as inline SVG: no script, no CDN, readable without JavaScript.

Each function returns markup for one `<svg role="img">` with a title; the numbers it shows are
also in the tables beside it, so the chart is never the only way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..i18n import decimal

WIDTH = 720
HEIGHT = 240
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 14
MARGIN_BOTTOM = 30
INK = "#1b1f24"
GRID = "#d5dbe1"


@dataclass(frozen=True)
class Series:
    """One named row of values, drawn in one colour."""

    name: str
    values: Sequence[float]
    colour: str
    dashed: bool = False


def nice_top(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(10 * magnitude)


def _frame(title: str, body: list[str], legend: Sequence[Series]) -> Markup:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 22}" '
        f'role="img" aria-label="{escape(title)}" class="chart" '
        f'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        *body,
    ]
    x = MARGIN_LEFT
    for series in legend:
        dash = ' stroke-dasharray="5 3"' if series.dashed else ""
        parts.append(
            f'<line x1="{x}" y1="{HEIGHT + 12}" x2="{x + 18}" y2="{HEIGHT + 12}" '
            f'stroke="{series.colour}" stroke-width="4"{dash}/>'
            f'<text x="{x + 24}" y="{HEIGHT + 16}" fill="{INK}">{escape(series.name)}</text>'
        )
        x += 34 + 7 * len(series.name)
    parts.append("</svg>")
    return Markup("".join(parts))  # every text piece above is escaped


def _axis(top: float, plot_h: float) -> list[str]:
    """Horizontal grid lines with their values on the left."""
    lines = []
    for i in range(5):
        value = top * i / 4
        y = MARGIN_TOP + plot_h - plot_h * i / 4
        label = decimal(value, 2) if value < 10 else decimal(value, 0)
        lines.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{label}</text>'
        )
    return lines


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, top: float | None = None
) -> Markup:
    """Grouped bars: one group per label (an hour, a service), one bar per series; `top`: the
    axis maximum of a bounded scale (else a round number above the highest value)."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    if top is None:
        top = nice_top(max((v for s in series for v in s.values), default=0))
    body = _axis(top, plot_h)
    groups = max(1, len(labels))
    group_w = plot_w / groups
    bar_w = group_w * 0.8 / max(1, len(series))
    for g, label in enumerate(labels):
        x0 = MARGIN_LEFT + g * group_w + group_w * 0.1
        for k, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else 0
            h = plot_h * value / top
            y = MARGIN_TOP + plot_h - h
            body.append(
                f'<rect x="{x0 + k * bar_w:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(label)} — '
                f"{escape(s.name)}: {decimal(value, 2)}</title></rect>"
            )
        body.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 14}" '
            f'text-anchor="middle" fill="{INK}">{escape(label)}</text>'
        )
    return _frame(title, body, series)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    limit: float | None = None,
    limit_name: str = "",
    every: int = 12,
) -> Markup:
    """Step lines over evenly spaced points (e.g. 5-minute bins), with an optional horizontal
    limit (the hall cap). A label is written under every `every`-th point."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    highest = max((v for s in series for v in s.values), default=0)
    top = nice_top(max(highest, limit or 0))
    body = _axis(top, plot_h)
    n = max(1, max((len(s.values) for s in series), default=1))
    step = plot_w / n

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_h - plot_h * value / top

    for s in series:
        if not s.values:
            continue
        points = []
        for i, value in enumerate(s.values):
            x = MARGIN_LEFT + i * step
            points.append(f"{x:.1f},{y_of(value):.1f}")
            points.append(f"{x + step:.1f},{y_of(value):.1f}")
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        body.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{s.colour}" '
            f'stroke-width="2"{dash}/>'
        )
    legend = list(series)
    if limit is not None:
        y = y_of(limit)
        body.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            f'stroke="#b42318" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        legend.append(Series(limit_name, [], "#b42318", dashed=True))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = MARGIN_LEFT + i * step
            body.append(
                f'<text x="{x:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 14}" text-anchor="middle" '
                f'fill="{INK}">{escape(label)}</text>'
            )
    return _frame(title, body, legend)
