"""Small SVG charts made at build time, each with a text alternative: papers per year, and which
topics appear together. Colours come from the theme's CSS variables, so dark mode works."""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Mapping, Sequence

from generator.model import Paper, Tag

BAR_WIDTH = 26
CHART_HEIGHT = 120


def paper_year(paper: Paper) -> int | None:
    if paper.date and paper.date.year:
        return paper.date.year
    return paper.meta.year


def years_chart(papers: Sequence[Paper], caption: str, chart_id: str) -> str:
    """A bar chart of papers per year (a `<figure>` with an SVG and a table as its text)."""
    by_year = Counter(paper_year(p) for p in papers)  # one pass: the home page charts every paper
    undated = by_year.pop(None, 0)
    counts = Counter({year: n for year, n in by_year.items() if year is not None})
    if not counts:
        return ""
    years = list(range(min(counts), max(counts) + 1))
    tallest = max(counts.values())
    width = BAR_WIDTH * len(years) + 20
    bars = []
    for n, year in enumerate(years):
        count = counts.get(year, 0)
        height = round((CHART_HEIGHT - 30) * count / tallest)
        x = 10 + n * BAR_WIDTH
        y = CHART_HEIGHT - 18 - height
        label = f"{year}: {count} paper{'s' if count != 1 else ''}"
        bars.append(
            f'<g><title>{label}</title><rect class="lr-bar" x="{x + 3}" y="{y}" width="{BAR_WIDTH - 6}" '
            f'height="{height}"/>'
            + (f'<text class="lr-count" x="{x + BAR_WIDTH / 2}" y="{y - 3}">{count}</text>' if count else "")
            + (
                f'<text class="lr-axis" x="{x + BAR_WIDTH / 2}" y="{CHART_HEIGHT - 5}">{str(year)[2:]}</text>'
                if len(years) > 12
                else f'<text class="lr-axis" x="{x + BAR_WIDTH / 2}" y="{CHART_HEIGHT - 5}">{year}</text>'
            )
            + "</g>"
        )
    rows = "".join(f"<tr><td>{y}</td><td>{counts.get(y, 0)}</td></tr>" for y in years)
    note = f" {undated} more without a year." if undated else ""
    summary_text = html.escape(
        f"{caption}: {plural(sum(counts.values()), 'paper')} from {years[0]} to {years[-1]}.{note}"
    )
    return (
        f'<figure class="lr-chart" id="{chart_id}">'
        f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {CHART_HEIGHT}" width="{width}" height="{CHART_HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{html.escape(caption)}</title>'
        f'<desc id="{chart_id}-desc">{summary_text}</desc>' + "".join(bars) + "</svg>"
        f"<figcaption>{summary_text}</figcaption>"
        f"<details><summary>The numbers</summary><table><thead><tr><th>Year</th><th>Papers</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details></figure>"
    )


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 paper`, `2 papers` (`nouns` when the plural is not noun + s)."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


# A cell's colour strength in steps of a tenth, so the page needs no inline styles.
STRENGTH_STEPS = 9


def _shared_counts(
    members: Mapping[str, Sequence[Paper]], tags: dict[str, Tag], top: int
) -> tuple[list[str], dict[tuple[str, str], int]]:
    """The `top` most used topics, and how many papers each pair of them shares (pairs that
    share none are left out)."""
    counts = {t: len(papers) for t, papers in members.items() if t in tags and papers}
    chosen = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    # By set intersections of each pair's papers, which is faster than a pass over all the papers.
    ids = {t: {p.id for p in members[t]} for t in chosen}
    pairs: dict[tuple[str, str], int] = {}
    for i, a in enumerate(chosen):
        for b in chosen[i + 1 :]:
            if shared := len(ids[a] & ids[b]):
                pairs[(a, b)] = pairs[(b, a)] = shared
    return chosen, pairs


def _matrix_cell(tags: dict[str, Tag], a: str, b: str, shared: int, most: int) -> str:
    """One cell: the number itself, its colour strength as a class, and a title saying it all."""
    if a == b:
        return '<td class="lr-self"><span class="lr-visually-hidden">same topic</span></td>'
    tip = html.escape(f"{tags[a].label} and {tags[b].label}: {plural(shared, 'paper')}")
    strength = math.ceil(STRENGTH_STEPS * shared / most) if shared else 0
    return f'<td class="lr-s{strength}" title="{tip}">{shared}</td>'


def cooccurrence_chart(
    members: Mapping[str, Sequence[Paper]], tags: dict[str, Tag], chart_id: str, top: int = 14
) -> str:
    """A table of how often the most used topics share a paper (`members`: each topic's papers,
    each once): full topic names on both axes, every count written in its cell (readable on a
    phone, where nothing can be hovered), and the cell's colour stronger the more papers."""
    chosen, pairs = _shared_counts(members, tags, top)
    if len(chosen) < 2:
        return ""
    most = max(pairs.values(), default=0) or 1
    labels = {t: html.escape(tags[t].label) for t in chosen}
    head = "".join(f'<th scope="col"><span>{labels[b]}</span></th>' for b in chosen)
    rows = "".join(
        f'<tr><th scope="row">{labels[a]}</th>'
        + "".join(_matrix_cell(tags, a, b, pairs.get((a, b), 0), most) for b in chosen)
        + "</tr>"
        for a in chosen
    )
    strongest = sorted(
        ((n, a, b) for (a, b), n in pairs.items() if a < b), key=lambda x: (-x[0], x[1], x[2])
    )[:10]
    items = "".join(
        f"<li>{html.escape(tags[a].label)} and {html.escape(tags[b].label)}: {n}</li>"
        for n, a, b in strongest
    )
    size = len(chosen)
    caption = (
        f"How often the {size} most used topics share a paper: each cell gives the number of papers "
        "with both its row's and its column's topic."
    )
    ramp = "".join(f'<span class="lr-s{n}"></span>' for n in range(1, STRENGTH_STEPS + 1))
    return (
        f'<figure class="lr-chart lr-together" id="{chart_id}">'
        f'<figcaption id="{chart_id}-caption">{html.escape(caption)} '
        f'<span class="lr-legend">Stronger colour: more papers in common. <span class="lr-ramp" '
        f'aria-hidden="true"><span class="lr-ramp-end">fewer</span>{ramp}<span class="lr-ramp-end">more'
        "</span></span></span></figcaption>"
        f'<div class="lr-table-scroll" role="region" tabindex="0" aria-labelledby="{chart_id}-caption">'
        f'<table class="lr-matrix"><thead><tr><td></td>{head}</tr></thead><tbody>{rows}</tbody></table>'
        f"</div><details><summary>The pairs most often together</summary><ol>{items}</ol></details>"
        "</figure>"
    )
