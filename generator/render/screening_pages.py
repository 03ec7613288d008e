"""A systematic review's pages: the PRISMA 2020 flow diagram (prisma/), the list of the records
in each of its boxes (prisma/<box>/), the excluded records with their reasons
(prisma/excluded/), and the diagram as a file (prisma/flow.svg) and its counts as the CSV the
PRISMA2020 R package and Shiny app read (prisma/flow.csv).

The lists and the excluded page are published unless mkdocs.yml says
`extra: {litreview: {screening_lists: hide}}`; the diagram and its counts always are."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from generator.model import Flow, FlowBox, FlowRecord
from generator.render.context import RenderContext
from generator.render.page_set import PageSet
from generator.render.prisma import box_lines, flow_svg, summary

FOLDER = "prisma"
EXCLUDED_PAGE = "excluded"
SVG_FILE = "flow.svg"
CSV_FILE = "flow.csv"

# The order of the boxes on the page and in the text version, with the stage each is in.
BOX_ORDER = (
    "database_results",
    "register_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "awaiting_screening",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "dbr_assessed",
    "awaiting_full_text",
    "dbr_excluded",
    "new_studies",
)
STAGE_HEADINGS = (
    ("identification", "Removed before screening"),
    ("title-abstract", "Excluded on title and abstract"),
    ("retrieval", "Reports not retrieved"),
    ("full-text", "Excluded after reading the full text"),
    ("awaiting-screening", "Awaiting screening"),
    ("awaiting-full-text", "Awaiting full-text assessment"),
)


def box_slug(box_id: str) -> str:
    """A box's page, under prisma/: its PRISMA2020 data name with hyphens."""
    return box_id.replace("_", "-")


def _href_from_diagram(lists: bool):
    def href(box_id: str, part_id: str | None) -> str | None:
        if not lists:
            return None
        return f"{box_slug(box_id)}/" + (f"#{part_id}" if part_id else "")

    return href


def record_link(record: FlowRecord, lists: bool, depth: str = "../../") -> str | None:
    """Where a record is on the site: its page when included, else the excluded records page."""
    if record.included:
        return f"{depth}papers/{record.id}/"
    return f"{depth}{FOLDER}/{EXCLUDED_PAGE}/#record-{record.id}" if lists else None


def _text_version(flow: Flow, lists: bool) -> list[dict[str, object]]:
    """The boxes as nested items (label, count, link, parts) for the text alternative."""
    href = _href_from_diagram(lists)
    items = []
    for name, lines in box_lines(flow, href).items():
        items.append({"name": name, "lines": lines})
    return items


def _sources_table(flow: Flow, context: RenderContext) -> list[dict[str, object]]:
    rows = []
    for key in ("database_results", "register_results"):
        for part in flow.boxes[key].parts:
            rows.append({"kind": "database" if key == "database_results" else "register", "box": part})
    return rows


# The rows of the PRISMA2020 R package's template CSV, in its order: data name, node, box,
# description, boxtext, and where n comes from: a box of the flow, "parts:<box>" for its
# "Name, n; Name, n" list, "0" or "NA" for what this review does not have (previous studies,
# other methods). The url is the box's list page; tooltips repeat the description.
CSV_ROWS = (
    ("NA", "node4", "prevstud", "Previous studies (title box)", "Previous studies", "0"),
    (
        "previous_studies",
        "node5",
        "box1",
        "Studies included in the previous version",
        "Studies included in previous version of review",
        "0",
    ),
    (
        "previous_reports",
        "NA",
        "box1",
        "Reports of studies included in the previous version",
        "Reports of studies included in previous version of review",
        "0",
    ),
    (
        "NA",
        "node6",
        "newstud",
        "Identification via databases and registers (title box)",
        "Identification of new studies via databases and registers",
        "0",
    ),
    (
        "database_results",
        "node7",
        "box2",
        "Records identified from databases",
        "Databases",
        "database_results",
    ),
    (
        "database_specific_results",
        "NA",
        "box2",
        "Records identified from each database",
        "Specific Databases",
        "parts:database_results",
    ),
    ("register_results", "NA", "box2", "Records identified from registers", "Registers", "register_results"),
    (
        "register_specific_results",
        "NA",
        "box2",
        "Records identified from each register",
        "Specific Registers",
        "parts:register_results",
    ),
    (
        "NA",
        "node16",
        "othstud",
        "Identification via other methods (title box)",
        "Identification of new studies via other methods",
        "0",
    ),
    ("website_results", "node17", "box11", "Records identified from websites", "Websites", "0"),
    ("organisation_results", "NA", "box11", "Records identified from organisations", "Organisations", "0"),
    (
        "citations_results",
        "NA",
        "box11",
        "Records identified from citation searching",
        "Citation searching",
        "0",
    ),
    ("duplicates", "node8", "box3", "Duplicate records removed", "Duplicate records", "duplicates"),
    (
        "excluded_automatic",
        "NA",
        "box3",
        "Records marked as ineligible by automation tools",
        "Records marked as ineligible by automation tools",
        "excluded_automatic",
    ),
    (
        "excluded_other",
        "NA",
        "box3",
        "Records removed for other reasons",
        "Records removed for other reasons",
        "excluded_other",
    ),
    ("records_screened", "node9", "box4", "Records screened", "Records screened", "records_screened"),
    ("records_excluded", "node10", "box5", "Records excluded", "Records excluded", "records_excluded"),
    (
        "dbr_sought_reports",
        "node11",
        "box6",
        "Reports sought for retrieval",
        "Reports sought for retrieval",
        "dbr_sought_reports",
    ),
    (
        "dbr_notretrieved_reports",
        "node12",
        "box7",
        "Reports not retrieved",
        "Reports not retrieved",
        "dbr_notretrieved_reports",
    ),
    (
        "other_sought_reports",
        "node18",
        "box12",
        "Reports sought for retrieval (other methods)",
        "Reports sought for retrieval",
        "0",
    ),
    (
        "other_notretrieved_reports",
        "node19",
        "box13",
        "Reports not retrieved (other methods)",
        "Reports not retrieved",
        "0",
    ),
    (
        "dbr_assessed",
        "node13",
        "box8",
        "Reports assessed for eligibility",
        "Reports assessed for eligibility",
        "dbr_assessed",
    ),
    (
        "dbr_excluded",
        "node14",
        "box9",
        "Reports excluded, with each reason and its count",
        "Reports excluded",
        "parts:dbr_excluded",
    ),
    (
        "other_assessed",
        "node20",
        "box14",
        "Reports assessed for eligibility (other methods)",
        "Reports assessed for eligibility",
        "0",
    ),
    ("other_excluded", "node21", "box15", "Reports excluded (other methods)", "Reports excluded", "NA"),
    (
        "new_studies",
        "node15",
        "box10",
        "New studies included in the review",
        "New studies included in review",
        "new_studies",
    ),
    (
        "new_reports",
        "NA",
        "box10",
        "Reports of new included studies",
        "Reports of new included studies",
        "new_studies",
    ),
    (
        "total_studies",
        "node22",
        "box16",
        "Total studies included in the review",
        "Total studies included in review",
        "new_studies",
    ),
    (
        "total_reports",
        "NA",
        "box16",
        "Reports of total included studies",
        "Reports of total included studies",
        "new_studies",
    ),
    ("identification", "node1", "identification", "Identification (stage box)", "Identification", "0"),
    ("screening", "node2", "screening", "Screening (stage box)", "Screening", "0"),
    ("included", "node3", "included", "Included (stage box)", "Included", "0"),
)


def _csv_n(flow: Flow, source: str) -> str:
    """The n of a row: a box's count, or its parts as "Name, n; Name, n" ("NA" when none)."""
    if source in ("0", "NA"):
        return source
    if not source.startswith("parts:"):
        return str(flow.boxes[source].count)
    box = flow.boxes[source.removeprefix("parts:")]
    if not box.count:
        return "NA"
    parts = box.parts or (FlowBox(box.id, "Not given", box.count),)
    # The package splits on ";" and ","; a name keeps neither, nor the search date.
    return "; ".join(
        f"{p.label.split(' (searched')[0].replace(',', ' -').replace(';', ' -')}, {p.count}" for p in parts
    )


def prisma_csv(flow: Flow, url_of: dict[str, str]) -> str:
    """The counts in the layout of the PRISMA2020 R package's template (data, node, box,
    description, boxtext, tooltips, url, n)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"])
    for data, node, box, description, boxtext, source in CSV_ROWS:
        key = source.removeprefix("parts:")
        url = url_of.get(key, "NA") if key in flow.boxes else "NA"
        writer.writerow([data, node, box, description, boxtext, description, url, _csv_n(flow, source)])
    return out.getvalue()


PAGE_STYLE = (
    "<style>"
    ".lr-prisma{color:var(--md-default-fg-color);--lr-box-bg:var(--md-default-bg-color);"
    "--lr-stage-bg:var(--md-primary-fg-color);--lr-stage-fg:var(--md-primary-bg-color);"
    "--lr-link:var(--md-typeset-a-color);margin:1rem 0}"
    ".lr-prisma svg{max-width:100%;height:auto;display:block}"
    ".lr-prisma .lr-prisma-narrow{display:none}"
    "@media screen and (max-width:40em){.lr-prisma .lr-prisma-wide{display:none}"
    ".lr-prisma .lr-prisma-narrow{display:block}}"
    "</style>"
)


def add_screening_pages(context: RenderContext, pages: PageSet, lists: bool) -> None:
    """The flow diagram's pages and files, when the review is systematic."""
    flow = context.review.flow
    if flow is None:
        return
    env = context.env
    href = _href_from_diagram(lists)
    wide = flow_svg(flow, href, svg_id="lr-prisma")
    narrow = flow_svg(flow, href, narrow=True, svg_id="lr-prisma-narrow")
    base = context.site_url if context.site_url not in ("", "/") else ""
    url_of = {key: f"{base}{FOLDER}/{box_slug(key)}/" for key in BOX_ORDER} if lists else {}
    pages.add(f"{FOLDER}/{SVG_FILE}", flow_svg(flow, href, standalone=True))
    pages.add(f"{FOLDER}/{CSV_FILE}", prisma_csv(flow, url_of))
    pages.add(
        f"{FOLDER}/index.md",
        env.get_template("prisma.md.j2").render(
            flow=flow,
            title=flow.title,
            style=PAGE_STYLE,
            wide=f'<div class="lr-prisma-wide">{wide}</div>',
            narrow=f'<div class="lr-prisma-narrow">{narrow}</div>',
            summary=summary(flow),
            text=_text_version(flow, lists),
            sources=_sources_table(flow, context),
            lists=lists,
            svg_file=SVG_FILE,
            csv_file=CSV_FILE,
            excluded_count=len(flow.excluded),
        ),
    )
    if lists:
        list_template = env.get_template("prisma_list.md.j2")
        for key in BOX_ORDER:
            box = flow.boxes[key]
            pages.add(
                f"{FOLDER}/{box_slug(key)}.md",
                list_template.render(
                    box=box,
                    entries="source" if key in _ENTRY_BOXES else "record",
                    groups=_groups(box),
                    link=lambda r: record_link(r, True),
                ),
            )
        pages.add(
            f"{FOLDER}/{EXCLUDED_PAGE}.md",
            env.get_template("prisma_excluded.md.j2").render(
                stages=_by_stage(flow.excluded), total=len(flow.excluded)
            ),
        )
    _link_from_home(pages, lists)


_ENTRY_BOXES = ("database_results", "register_results", "duplicates")


def _groups(box: FlowBox) -> list[tuple[FlowBox | None, tuple[FlowRecord, ...]]]:
    """The box's records, by part when it has parts (databases, reasons)."""
    if box.parts and not (len(box.parts) == 1 and box.parts[0].id.endswith("-none")):
        return [(part, part.records) for part in box.parts]
    return [(None, box.records)]


def _by_stage(records: Sequence[FlowRecord]) -> list[tuple[str, str, list[FlowRecord]]]:
    groups: dict[str, list[FlowRecord]] = {}
    for record in records:
        groups.setdefault(record.stage, []).append(record)
    return [(stage, heading, groups[stage]) for stage, heading in STAGE_HEADINGS if stage in groups]


HOME_LINK = (
    "\n## How the papers were chosen\n\n"
    "This is a systematic review: the [flow of records](prisma/index.md) (PRISMA 2020) shows how many "
    "records each database gave, how many were removed or excluded at each stage and why, and how many "
    "studies are included{lists}.\n"
)


def _link_from_home(pages: PageSet, lists: bool) -> None:
    """A section of the home page that links the flow diagram."""
    home = pages.files.get("index.md")
    if home is None:
        return
    text = home.decode("utf-8")
    section = HOME_LINK.format(lists=", each box with the list of its records" if lists else "")
    marker = "\n## How to use this review"
    text = text.replace(marker, section + marker, 1) if marker in text else text + section
    pages.files["index.md"] = text.encode("utf-8")
