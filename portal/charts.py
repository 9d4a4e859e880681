"""A grouped bar chart of distance-travelled scores, drawn as SVG on the server (no script needed).

The page always shows the same figures as a table; the chart is for people who read pictures.
"""
from dataclasses import dataclass

# GOV.UK Frontend palette: distinguishable, and each bar also carries its score as text.
COLOURS = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#505a5f")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 300, 40, 60, 20
MAX_SCORE = 10


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    score: int
    text: str


def distance_chart(domains, rows, last=4):
    """Bars for the last `last` assessments, grouped by domain."""
    rows = rows[-last:]
    if not domains or not rows:
        return None
    plot_width = WIDTH - LEFT - 10
    plot_height = HEIGHT - BOTTOM - TOP
    group = plot_width / len(domains)
    bar_width = (group * 0.8) / len(rows)
    bars, labels = [], []
    for d_index, domain in enumerate(domains):
        start = LEFT + d_index * group + group * 0.1
        labels.append((start + group * 0.4, domain.label))
        for r_index, (assessment, scores) in enumerate(rows):
            score = scores.get(domain.id)
            if score is None:
                continue
            height = plot_height * score / MAX_SCORE
            bars.append(Bar(x=start + r_index * bar_width, y=TOP + plot_height - height, width=bar_width - 2,
                            height=height, colour=COLOURS[r_index % len(COLOURS)], score=score,
                            text=f"{domain.label}, {assessment.label}: {score} out of {MAX_SCORE}"))
    legend = [(COLOURS[i % len(COLOURS)], a.label) for i, (a, _scores) in enumerate(rows)]
    ticks = [(TOP + plot_height - plot_height * n / MAX_SCORE, n) for n in range(0, MAX_SCORE + 1, 2)]
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "labels": labels, "legend": legend, "ticks": ticks,
            "left": LEFT, "baseline": TOP + plot_height}


def _nice_ceiling(value):
    """A round top for the axis: 1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def series_chart(periods, parts, *, title):
    """Bars for one MI figure (R-MI-1): a group per period, a bar per part (e.g. each exit reason).

    `periods` is [(key, label)], `parts` is [(label, {key: value})]. The figures are also in the table
    beside the chart; each bar's title gives its period, part and value for screen readers' hover.
    """
    if not periods or not parts:
        return None
    top = _nice_ceiling(max((v for _label, values in parts for v in values.values()), default=0))
    left = 70  # room for figures in the hundreds of thousands
    plot_width = WIDTH - left - 10
    plot_height = HEIGHT - BOTTOM - TOP
    group = plot_width / len(periods)
    bar_width = (group * 0.8) / len(parts)
    every = max(1, -(-len(periods) // 12))  # at most 12 period labels under the axis
    bars, labels = [], []
    for p_index, (key, period_label) in enumerate(periods):
        start = left + p_index * group + group * 0.1
        if p_index % every == 0:
            labels.append((start + group * 0.4, period_label))
        for s_index, (part_label, values) in enumerate(parts):
            value = values.get(key, 0) or 0
            height = plot_height * value / top
            shown = f"{value:g}"
            bars.append(Bar(x=start + s_index * bar_width, y=TOP + plot_height - height, width=max(bar_width - 1, 1),
                            height=height, colour=COLOURS[s_index % len(COLOURS)],
                            score=shown if len(periods) * len(parts) <= 12 else "",
                            text=f"{title}, {period_label}{', ' + part_label if len(parts) > 1 else ''}: {shown}"))
    legend = [(COLOURS[i % len(COLOURS)], label) for i, (label, _values) in enumerate(parts)] if len(parts) > 1 else []
    ticks = [(TOP + plot_height - plot_height * n / 4, f"{top * n / 4:g}") for n in range(5)]
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "labels": labels, "legend": legend, "ticks": ticks,
            "left": left, "baseline": TOP + plot_height}
