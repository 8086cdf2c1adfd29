"""Small inline SVG charts: no plotting library, no network resources."""

from __future__ import annotations

from html import escape

REAL_COLOUR = "#1f77b4"
SYNTHETIC_COLOUR = "#ff7f0e"


def paired_bars(
    labels: list[str],
    real: list[float],
    synthetic: list[float],
    width: int = 420,
    height: int = 180,
) -> str:
    """Real and synthetic shares side by side for each label (a histogram or category counts)."""
    if not labels:
        return "<p>no values</p>"
    top = max([*real, *synthetic, 1e-12])
    plot_height, slot = height - 40, (width - 10) / len(labels)
    bars = []
    for index, (label, r, s) in enumerate(zip(labels, real, synthetic, strict=True)):
        x = 5 + index * slot
        for offset, value, colour in ((0.0, r, REAL_COLOUR), (slot / 2, s, SYNTHETIC_COLOUR)):
            bar_height = plot_height * value / top
            bars.append(
                f'<rect x="{x + offset:.1f}" y="{10 + plot_height - bar_height:.1f}" '
                f'width="{max(slot / 2 - 1, 0.5):.1f}" height="{bar_height:.1f}" fill="{colour}">'
                f"<title>{escape(label)}: {value:.3f}</title></rect>"
            )
    first, last = escape(labels[0][:16]), escape(labels[-1][:16])
    axis = (
        f'<text x="5" y="{height - 12}" font-size="10">{first}</text>'
        f'<text x="{width - 5}" y="{height - 12}" font-size="10" text-anchor="end">{last}</text>'
    )
    return f'<svg width="{width}" height="{height}" role="img">{"".join(bars)}{axis}</svg>'


def _colour(value: float) -> str:
    """Blue for negative, white for zero, red for positive associations."""
    value = max(-1.0, min(1.0, value))
    fade = int(255 * (1 - abs(value)))
    return f"rgb(255,{fade},{fade})" if value >= 0 else f"rgb({fade},{fade},255)"


def heatmap(names: list[str], matrix: list[list[float]], cell: int = 16) -> str:
    size = len(names)
    margin = 110
    cells = [
        f'<rect x="{margin + j * cell}" y="{margin + i * cell}" width="{cell}" height="{cell}" '
        f'fill="{_colour(value)}"><title>{escape(names[i])} x {escape(names[j])}: '
        f"{value:.2f}</title></rect>"
        for i, row in enumerate(matrix)
        for j, value in enumerate(row)
    ]
    row_labels = [
        f'<text x="{margin - 4}" y="{margin + i * cell + cell * 0.75}" font-size="9" '
        f'text-anchor="end">'
        f"{escape(name[:18])}</text>"
        for i, name in enumerate(names)
    ]
    column_labels = [
        f'<text transform="translate({margin + j * cell + cell * 0.75},{margin - 4}) rotate(-60)" '
        f'font-size="9">{escape(name[:18])}</text>'
        for j, name in enumerate(names)
    ]
    total = margin + size * cell + 5
    content = "".join(cells + row_labels + column_labels)
    return f'<svg width="{total}" height="{total}" role="img">{content}</svg>'
