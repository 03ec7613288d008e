"""The PRISMA 2020 flow diagram of a systematic review, drawn as SVG at build time.

Two drawings of the same boxes: a wide one (two columns and the stage bars, as the PRISMA 2020
template) and a narrow one for phones (one column, each exclusion box under the box it leaves),
the page's CSS shows the one that fits. Each box's lines link to the list of their records.
Colours are the theme's (CSS variables, currentColor), so light and dark schemes both work; the
downloadable file carries its own light and dark colours (prefers-color-scheme)."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from generator.model import Flow, FlowBox

FONT = 15
LINE = 20
PAD = 9
CHAR = 0.53  # an average character's width, in font sizes, for wrapping

# A link for a box (and a part of it), or None when the lists are not published.
Href = Callable[[str, str | None], str | None]


@dataclass(frozen=True)
class Line:
    text: str
    href: str | None = None
    strong: bool = False
    indent: int = 0


def _n(box: FlowBox) -> str:
    return f"(n\u00a0=\u00a0{box.count:,})"  # kept on one line when a line wraps


def _parts(box: FlowBox, href: Href, indent: int = 1) -> list[Line]:
    if not box.parts or (len(box.parts) == 1 and box.parts[0].id.endswith("-none")):
        return []
    return [Line(f"{part.label} {_n(part)}", href(box.id, part.id), indent=indent) for part in box.parts]


def _line(flow: Flow, href: Href, key: str, text: str = "", strong: bool = False) -> Line:
    """A box's line: its text (or label) and count, linked to its list."""
    box = flow.boxes[key]
    return Line(f"{text or box.label} {_n(box)}", href(key, None), strong)


def _headed(flow: Flow, href: Href, key: str, text: str, awaiting: str | None = None) -> list[Line]:
    """A box that starts with its count in bold, then its reasons (or the records awaiting)."""
    lines = [_line(flow, href, key, text, True), *_parts(flow.boxes[key], href)]
    if awaiting and flow.boxes[awaiting].count:
        lines.append(_line(flow, href, awaiting, "of which awaiting a decision"))
    return lines


def box_lines(flow: Flow, href: Href) -> dict[str, list[Line]]:
    """The text of each drawn box, by the name of the box (which PRISMA boxes it shows)."""
    b = flow.boxes
    ident = [Line("Records identified from:", strong=True)]
    for key in ("database_results", "register_results"):
        ident += [_line(flow, href, key), *_parts(b[key], href)]
    removed = [
        Line("Records removed before screening:", strong=True),
        _line(flow, href, "duplicates", "Duplicate records removed"),
        _line(flow, href, "excluded_automatic"),
        *_parts(b["excluded_automatic"], href),
        _line(flow, href, "excluded_other"),
        *_parts(b["excluded_other"], href),
    ]
    return {
        "identified": ident,
        "removed": removed,
        "screened": _headed(flow, href, "records_screened", "Records screened", "awaiting_screening"),
        "excluded": _headed(flow, href, "records_excluded", "Records excluded"),
        "sought": _headed(flow, href, "dbr_sought_reports", "Reports sought for retrieval"),
        "not_retrieved": _headed(flow, href, "dbr_notretrieved_reports", "Reports not retrieved"),
        "assessed": _headed(
            flow, href, "dbr_assessed", "Reports assessed for eligibility", "awaiting_full_text"
        ),
        "reports_excluded": _headed(flow, href, "dbr_excluded", "Reports excluded"),
        "included": [
            _line(flow, href, "new_studies", "Studies included in review", True),
            _line(flow, href, "new_studies", "Reports of included studies"),
        ],
    }


# The rows of the diagram: (stage, main box, box beside it).
ROWS = (
    ("Identification", "identified", "removed"),
    ("Screening", "screened", "excluded"),
    ("Screening", "sought", "not_retrieved"),
    ("Screening", "assessed", "reports_excluded"),
    ("Included", "included", None),
)


def _wrap(text: str, width: float, font: float) -> list[str]:
    """The text in lines that fit `width` (by an average character width)."""
    most = max(8, int(width / (font * CHAR)))
    lines: list[str] = []
    current = ""
    for word in (w for w in text.split(" ") if w):  # not split(): it breaks at no-break spaces
        if current and len(current) + 1 + len(word) > most:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines


@dataclass
class _Drawing:
    parts: list[str]
    height: float = 0.0

    def text_box(self, x: float, y: float, width: float, lines: list[Line], font: float = FONT) -> float:
        """A box at (x, y) holding `lines`; its height."""
        body: list[str] = []
        cursor = y + PAD + font
        for line in lines:
            left = x + PAD + line.indent * 14
            wrapped = _wrap(line.text, width - 2 * PAD - line.indent * 14, font)
            spans = []
            for i, piece in enumerate(wrapped):
                spans.append(
                    f'<text x="{left:.0f}" y="{cursor + i * LINE:.0f}"'
                    + (' class="lr-strong"' if line.strong else "")
                    + f">{html.escape(piece)}</text>"
                )
            joined = "".join(spans)
            if line.href:
                joined = f'<a href="{html.escape(line.href)}">{joined}</a>'
            body.append(joined)
            cursor += LINE * len(wrapped)
        height = (cursor - LINE) - y + PAD + font * 0.3
        self.parts.append(
            f'<rect class="lr-box" x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" height="{height:.0f}" rx="3"/>'
        )
        self.parts.extend(body)
        return height

    def arrow(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.parts.append(
            f'<line class="lr-arrow" x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
            'marker-end="url(#lr-head)"/>'
        )

    def path(self, d: str) -> None:
        self.parts.append(f'<path class="lr-arrow" d="{d}" marker-end="url(#lr-head)"/>')

    def stage(self, x: float, y: float, width: float, height: float, label: str, vertical: bool) -> None:
        self.parts.append(
            f'<rect class="lr-stage" x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" rx="3"/>'
        )
        cx, cy = x + width / 2, y + height / 2
        turn = f' transform="rotate(-90 {cx:.0f} {cy:.0f})"' if vertical else ""
        self.parts.append(
            f'<text class="lr-stage-label" x="{cx:.0f}" y="{cy + 5:.0f}" '
            f'text-anchor="middle"{turn}>{label}</text>'
        )


def _measure(lines: list[Line], width: float) -> float:
    probe = _Drawing([])
    return probe.text_box(0, 0, width, lines)


WIDE = (770, 44, 330, 56)  # total width, main column's x, column width, gap between columns


def _wide(boxes: dict[str, list[Line]]) -> _Drawing:
    _, left, column, gap = WIDE
    right = left + column + gap
    drawing = _Drawing([])
    y = 10.0
    spans: dict[str, list[float]] = {}
    previous_bottom = None
    for stage, main, side in ROWS:
        main_h = _measure(boxes[main], column)
        side_h = _measure(boxes[side], column) if side else 0
        # A stage of one row is at least as tall as its label, written upwards.
        alone = sum(1 for row in ROWS if row[0] == stage) == 1
        row_h = max(main_h, side_h, len(stage) * 9.5 + 20 if alone else 0)
        top = y
        if previous_bottom is not None:
            drawing.arrow(left + column / 2, previous_bottom, left + column / 2, top - 2)
        drawing.text_box(left, top + (row_h - main_h) / 2, column, boxes[main])
        if side:
            drawing.text_box(right, top + (row_h - side_h) / 2, column, boxes[side])
            drawing.arrow(left + column, top + row_h / 2, right - 2, top + row_h / 2)
        previous_bottom = top + (row_h + main_h) / 2
        span = spans.setdefault(stage, [top, top + row_h])
        span[1] = top + row_h
        y = top + row_h + 30
    for stage, (top, bottom) in spans.items():
        drawing.stage(4, top, 30, bottom - top, stage, vertical=True)
    drawing.height = y - 20
    return drawing


NARROW = (360, 8, 40)  # total width, main boxes' x, side boxes' x


def _narrow(boxes: dict[str, list[Line]]) -> _Drawing:
    total, left, indent = NARROW
    drawing = _Drawing([])
    y = 6.0
    stage_now = None
    line_x = left + 16
    previous_bottom = None
    for stage, main, side in ROWS:
        if stage != stage_now:
            if previous_bottom is not None:
                drawing.parts.append(
                    f'<line class="lr-arrow" x1="{line_x:.0f}" y1="{previous_bottom:.0f}" '
                    f'x2="{line_x:.0f}" y2="{y:.0f}"/>'
                )
            drawing.stage(left, y, total - 2 * left, 28, stage, vertical=False)
            previous_bottom = y + 28 if previous_bottom is not None else None
            y += 40
            stage_now = stage
        if previous_bottom is not None:
            drawing.arrow(line_x, previous_bottom, line_x, y - 2)
        main_h = drawing.text_box(left, y, total - 2 * left, boxes[main])
        y += main_h
        previous_bottom = y
        if side:
            y += 18
            side_h = drawing.text_box(indent, y, total - left - indent, boxes[side])
            drawing.path(f"M{line_x:.0f} {previous_bottom:.0f} V{y + 14:.0f} H{indent - 2:.0f}")
            previous_bottom = y + 14
            y += side_h
        y += 22
    drawing.height = y - 10
    return drawing


STYLE = (
    ".lr-prisma-svg .lr-box{fill:var(--lr-box-bg,#fff);stroke:currentColor;stroke-width:1.2}"
    ".lr-prisma-svg .lr-stage{fill:var(--lr-stage-bg,#3949ab)}"
    ".lr-prisma-svg text{fill:currentColor}"
    ".lr-prisma-svg .lr-stage-label{fill:var(--lr-stage-fg,#fff);font-weight:700}"
    ".lr-prisma-svg .lr-arrow{stroke:currentColor;stroke-width:1.5;fill:none}"
    ".lr-prisma-svg marker path{fill:currentColor}"
    ".lr-prisma-svg .lr-strong{font-weight:700}"
    ".lr-prisma-svg a text{fill:var(--lr-link,currentColor);text-decoration:underline}"
    ".lr-prisma-svg a:focus-visible text{outline:2px solid}"
)
# The downloadable file stands alone: its own colours, dark where the viewer prefers dark.
STANDALONE_STYLE = (
    ".lr-prisma-svg{color:#1a1a1a;--lr-box-bg:#fff;--lr-stage-bg:#3949ab;--lr-stage-fg:#fff;background:#fff}"
    "@media (prefers-color-scheme:dark){.lr-prisma-svg{color:#e8e8e8;--lr-box-bg:#1e2129;"
    "--lr-stage-bg:#7986cb;--lr-stage-fg:#0d0d0d;background:#1e2129}}"
)


def summary(flow: Flow) -> str:
    """The diagram in one paragraph: its description for readers who do not see it."""
    b = flow.boxes
    parts = [
        f"{b['database_results'].count + b['register_results'].count:,} records identified "
        f"({b['database_results'].count:,} from databases, {b['register_results'].count:,} from registers)",
        f"{b['duplicates'].count:,} duplicates and "
        f"{b['excluded_automatic'].count + b['excluded_other'].count:,} other records removed "
        "before screening",
        f"{b['records_screened'].count:,} records screened, {b['records_excluded'].count:,} excluded",
        f"{b['dbr_sought_reports'].count:,} reports sought for retrieval, "
        f"{b['dbr_notretrieved_reports'].count:,} not retrieved",
        f"{b['dbr_assessed'].count:,} reports assessed for eligibility, {b['dbr_excluded'].count:,} excluded",
        f"{b['new_studies'].count:,} studies included in the review",
    ]
    return "PRISMA 2020 flow diagram: " + "; ".join(parts) + "."


def flow_svg(
    flow: Flow, href: Href, *, narrow: bool = False, standalone: bool = False, svg_id: str = "lr-prisma"
) -> str:
    """The diagram as an SVG element (or, `standalone`, a whole SVG file without links)."""
    if standalone:
        href = _no_links
    boxes = box_lines(flow, href)
    drawing = _narrow(boxes) if narrow else _wide(boxes)
    width = NARROW[0] if narrow else WIDE[0]
    height = drawing.height
    title = html.escape(
        flow.title + ": PRISMA 2020 flow diagram" if flow.title else "PRISMA 2020 flow diagram"
    )
    style = STANDALONE_STYLE + STYLE if standalone else STYLE
    role = "img" if standalone else "group"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{svg_id}" class="lr-prisma-svg" role="{role}" '
        f'aria-labelledby="{svg_id}-title" aria-describedby="{svg_id}-desc" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" '
        f'font-family="Roboto, Helvetica, Arial, sans-serif" font-size="{FONT}">'
        f'<title id="{svg_id}-title">{title}</title>'
        f'<desc id="{svg_id}-desc">{html.escape(summary(flow))}</desc>'
        f"<style>{style}</style>"
        '<defs><marker id="lr-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"/></marker></defs>'
    )
    if not standalone:
        head = head.replace('id="lr-head"', f'id="{svg_id}-head"').replace("#lr-head", f"#{svg_id}-head")
        body = "".join(drawing.parts).replace("url(#lr-head)", f"url(#{svg_id}-head)")
    else:
        body = "".join(drawing.parts)
    svg = head + body + "</svg>"
    if standalone:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"
    return svg


def _no_links(box: str, part: str | None) -> str | None:
    return None
