"""Small inline SVG charts for the report: printable, no script, no file beside the page.

Each chart has a <title> and a <desc> stating its figures in words, so a screen reader (or a
printout in black and white) loses nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

Format = Callable[[float], str]


def _plain(value: float) -> str:
    return f"{value:g}"


WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56
MAX_BAR = 56
COLOURS = ("#1f5fa8", "#e0862a")  # blue and orange stay distinct for colour-blind readers


def _frame(title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" class="chart"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>{body}</svg>"
    )


def _axis(maximum: float, ticks: int = 4, shown: Format = _plain) -> str:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for k in range(ticks + 1):
        value = maximum * k / ticks
        y = TOP + plot_h - plot_h * k / ticks
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ccc" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(shown(value))}</text>"
        )
    return "".join(parts)


# About the width of a character at font size 11, to set legend entries after one another.
_CHAR_WIDTH = 6.5


def _legend(series: Sequence[str]) -> str:
    parts = []
    x = float(LEFT)
    for k, name in enumerate(series):
        parts.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - 16}" width="10" height="10" fill="{COLOURS[k]}"/>'
            f'<text x="{x + 14:.1f}" y="{HEIGHT - 7}" font-size="11">{escape(name)}</text>'
        )
        x += max(150.0, 14 + len(name) * _CHAR_WIDTH + 24)
    return "".join(parts)


def grouped_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    maximum: float | None = None,
    figures: bool = False,
    shown: Format = _plain,
) -> str:
    """Bars side by side for each label, one colour per series (e.g. baseline and final);
    `figures` writes each bar's value above it, as `shown` writes a number (the reader's way).
    A value of None draws no bar: there is no figure, which is not zero."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = maximum or (max(values, default=0.0) or 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / max(1, len(labels))
    # A bar no wider than a thumb: a lone label's bars would otherwise fill the chart.
    bar = min(group * 0.8 / max(1, len(series)), MAX_BAR)
    body = [_axis(top, shown=shown)]
    for i, label in enumerate(labels):
        centre = LEFT + i * group + group / 2
        x0 = centre - bar * len(series) / 2
        for k, (_, vs) in enumerate(series):
            value = vs[i]
            if value is None:
                continue
            h = plot_h * max(0.0, value) / top
            x, y = x0 + k * bar, TOP + plot_h - h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[k % len(COLOURS)]}"/>'
            )
            if figures:
                body.append(
                    f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                    f'font-size="11">{escape(shown(value))}</text>'
                )
        body.append(
            f'<text x="{centre:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
            f'font-size="11">{escape(label)}</text>'
        )
    body.append(_legend([name for name, _ in series]))

    def said(value: float | None) -> str:
        return "–" if value is None else shown(value)

    desc = "; ".join(
        f"{label}: " + ", ".join(f"{name} {said(vs[i])}" for name, vs in series)
        for i, label in enumerate(labels)
    )
    return _frame(title, desc, "".join(body))


def lines(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]) -> str:
    """One line per series over the labels (e.g. sessions planned and held, week by week).

    A single label makes no line: its figures are drawn as bars, each with its label.
    """
    if len(labels) == 1:
        return grouped_bars(title, labels, series, figures=True)
    values = [v for _, vs in series for v in vs]
    top = max(values, default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(labels) - 1)
    body = [_axis(top)]
    for k, (_, vs) in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        xy = [(LEFT + i * step, TOP + plot_h - plot_h * v / top) for i, v in enumerate(vs)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        # A dot on each point: a few points still read as figures, not just a slope.
        body.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in xy)
    for i in _labelled(len(labels), step):
        label = labels[i]
        body.append(
            f'<text x="{LEFT + i * step:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
            f'font-size="10">{escape(label)}</text>'
        )
    body.append(_legend([name for name, _ in series]))
    desc = "; ".join(
        f"{name}: " + ", ".join(f"{labels[i]} {v:g}" for i, v in enumerate(vs))
        for name, vs in series
    )
    return _frame(title, desc, "".join(body))


LABEL_WIDTH = 48  # room a short label ("11 janv.") takes at font size 10


def _labelled(count: int, step: float) -> list[int]:
    """The points to label, as many as fit side by side, the first and the last among them (the
    <desc> still names them all)."""
    every = max(1, math.ceil(LABEL_WIDTH / step)) if step > 0 else 1
    shown = list(range(0, count, every))
    if len(shown) > 1:
        shown[-1] = count - 1  # the last in place of the one before it, which it would overlap
    return shown
