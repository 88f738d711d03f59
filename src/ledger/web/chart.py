"""A twelve-month score chart as inline SVG (pure: figures in, markup out)."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 44, 12, 16, 32
FLOOR = Decimal(80)  # scores below are drawn on the floor line and labelled


def y_of(score: Decimal, low: Decimal) -> float:
    span = HEIGHT - TOP - BOTTOM
    return TOP + float((Decimal(100) - max(score, low)) / (Decimal(100) - low)) * span


def score_chart(points: list[tuple[str, Decimal | None]], title: str) -> Markup:
    """A line of monthly scores; months not assessed leave a gap."""
    low = min([FLOOR] + [s - 2 for _, s in points if s is not None])
    low = Decimal(int(low) - int(low) % 5)
    step = (WIDTH - LEFT - RIGHT) / max(1, len(points) - 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="chart-title">{escape(title)}</title>']
    for tick in range(int(low), 101, 5):
        y = y_of(Decimal(tick), low)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{tick}</text>')
    segments, current = [], []
    for i, (month, score) in enumerate(points):
        x = LEFT + i * step
        parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 10}" '
                     f'text-anchor="middle">{int(month[5:])}</text>')
        if score is None:
            segments.append(current)
            current = []
            continue
        y = y_of(score, low)
        current.append(f"{x:.1f},{y:.1f}")
        label = f"{month}: {format(score.normalize(), 'f')}"
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>'
                     f'{escape(label)}</title></circle>')
        if score < 100:
            parts.append(f'<text class="value" x="{x:.1f}" y="{y + 18:.1f}" '
                         f'text-anchor="middle">{format(score.normalize(), "f")}</text>')
    segments.append(current)
    for seg in segments:
        if len(seg) > 1:
            parts.insert(2, f'<polyline class="line" points="{" ".join(seg)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
