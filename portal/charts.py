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
