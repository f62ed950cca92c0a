"""Charts drawn on the server as SVG from plain numbers: horizontal bars (one per county) and a line (one point per
month). Each scales with its viewBox, so it fits a 360 px phone; the page gives it a caption (aria-labelledby), the
same data as a table and a one-sentence summary, so the picture is never the only way to read it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 320
BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_WIDTH = 96  # county names on the left
VALUE_WIDTH = 56  # the value written after each bar
LINE_HEIGHT = 160
PAD = 24


def number(value: float | None, decimals: int = 1) -> str:
    """A value as the tables write it: no trailing ".0" on whole numbers, and a dash for no data."""
    if value is None:
        return "—"
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _top(values: Sequence[float | None], floor: float | None) -> float:
    top = max([v for v in values if v is not None] + [floor or 0.0])
    return top if top > 0 else 1.0


def bars(
    items: Sequence[tuple[str, float | None]], *, labelledby: str, unit: str = "", top: float | None = None,
    highlight: str | None = None,
) -> str:  # fmt: skip
    """One horizontal bar per (label, value), longest for the largest value (or `top`, e.g. 100 for a
    percentage); a value of None draws no bar and writes a dash. `highlight` marks one label's bar."""
    scale = _top([value for _, value in items], top)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = max(len(items), 1) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    parts = [
        f'<svg class="chart chart-bars" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(labelledby)}" preserveAspectRatio="xMinYMin meet">'
    ]
    for index, (label, value) in enumerate(items):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
        length = 0.0 if value is None else max(value, 0.0) / scale * span
        css = "chart-bar chart-bar-marked" if label == highlight else "chart-bar"
        if value is not None:
            parts.append(
                f'<rect class="{css}" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}"></rect>'
            )
        parts.append(
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 4:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle">{escape(number(value) + (unit if value is not None else ""))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line(
    points: Sequence[tuple[str, float | None]], *, labelledby: str, unit: str = "", top: float | None = None,
) -> str:  # fmt: skip
    """A line through one point per (label, value) from left to right, broken where a value is None; each point
    is a dot with its value above, each label below the axis."""
    scale = _top([value for _, value in points], top)
    count = max(len(points), 1)
    step = (WIDTH - 2 * PAD) / max(count - 1, 1)
    bottom = LINE_HEIGHT - PAD
    height_span = LINE_HEIGHT - 2 * PAD

    def x_of(index: int) -> float:
        return PAD + index * step if count > 1 else WIDTH / 2

    parts = [
        f'<svg class="chart chart-line" viewBox="0 0 {WIDTH} {LINE_HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{escape(labelledby)}" preserveAspectRatio="xMinYMin meet">',
        f'<line class="chart-axis" x1="{PAD / 2}" y1="{bottom}" x2="{WIDTH - PAD / 2}" y2="{bottom}"></line>',
    ]
    run: list[str] = []
    runs: list[list[str]] = []
    for index, (label, value) in enumerate(points):
        x = x_of(index)
        parts.append(
            f'<text class="chart-label" x="{x:.1f}" y="{LINE_HEIGHT - 6}" text-anchor="middle">{escape(label)}</text>'
        )
        if value is None:
            if run:
                runs.append(run)
            run = []
            continue
        y = bottom - max(value, 0.0) / scale * height_span
        run.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="3"></circle>')
        parts.append(
            f'<text class="chart-value" x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle">'
            f"{escape(number(value) + unit)}</text>"
        )
    if run:
        runs.append(run)
    for each in runs:
        if len(each) > 1:
            parts.append(f'<polyline class="chart-line-path" fill="none" points="{" ".join(each)}"></polyline>')
    parts.append("</svg>")
    return "".join(parts)
