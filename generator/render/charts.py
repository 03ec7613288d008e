"""Small SVG charts made at build time, each with a text alternative: papers per year, and which
topics appear together. Colours come from the theme's CSS variables, so dark mode works."""

from __future__ import annotations

import html
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
        f"{caption}: {sum(counts.values())} papers from {years[0]} to {years[-1]}.{note}"
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


def cooccurrence_chart(
    members: Mapping[str, Sequence[Paper]], tags: dict[str, Tag], chart_id: str, top: int = 14
) -> str:
    """A heat map of how often the most used topics share a paper (`members`: each topic's
    papers, each once)."""
    counts = {t: len(papers) for t, papers in members.items() if t in tags and papers}
    chosen = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    if len(chosen) < 2:
        return ""
    # By set intersections of each pair's papers, which is faster than a pass over all the papers.
    ids = {t: {p.id for p in members[t]} for t in chosen}
    pairs: dict[tuple[str, str], int] = {}
    for i, a in enumerate(chosen):
        for b in chosen[i + 1 :]:
            if shared := len(ids[a] & ids[b]):  # pairs that share no paper are not listed
                pairs[(a, b)] = pairs[(b, a)] = shared
    most = max(pairs.values(), default=0) or 1
    cell, left, topm = 24, 230, 8
    size = len(chosen)
    width, height = left + cell * size + 10, topm + cell * size + 10
    parts = []
    for row, a in enumerate(chosen):
        label = html.escape(tags[a].label if len(tags[a].label) <= 30 else tags[a].label[:29] + "…")
        parts.append(
            f'<text class="lr-axis lr-row" x="{left - 6}" y="{topm + row * cell + cell * 0.7}">{label}</text>'
        )
        for col, b in enumerate(chosen):
            if a == b:
                continue
            shared = pairs.get((a, b), 0)
            opacity = round(0.08 + 0.92 * shared / most, 3) if shared else 0.03
            tip = html.escape(
                f"{tags[a].label} and {tags[b].label}: {shared} paper{'s' if shared != 1 else ''}"
            )
            parts.append(
                f'<rect class="lr-cell" x="{left + col * cell}" y="{topm + row * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill-opacity="{opacity}"><title>{tip}</title></rect>'
            )
    strongest = sorted(
        ((n, a, b) for (a, b), n in pairs.items() if a < b), key=lambda x: (-x[0], x[1], x[2])
    )[:10]
    items = "".join(
        f"<li>{html.escape(tags[a].label)} and {html.escape(tags[b].label)}: {n}</li>"
        for n, a, b in strongest
    )
    caption = f"How often the {size} most used topics share a paper (darker: more)."
    return (
        f'<figure class="lr-chart" id="{chart_id}">'
        f'<svg role="img" aria-labelledby="{chart_id}-title" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-title">'
        f"{html.escape(caption)}</title>" + "".join(parts) + "</svg>"
        f"<figcaption>{html.escape(caption)} Hover a square for its count; columns follow the rows' order."
        f"</figcaption><details><summary>The pairs most often together</summary><ol>{items}</ol></details>"
        "</figure>"
    )
