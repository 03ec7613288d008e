"""The evidence-gap matrices (matrix/index.md): each matrix that content/fields.yaml declares
crosses two dimensions (the tags of a group, or the values of a field) and counts the papers in
each cell; an empty cell is a gap. A cell links to the search page filtered to its papers.
Also papers.csv, every paper with every field, which the matrix page and the topic pages link."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from generator.errors import LitreviewError
from generator.model import MatrixAxis, MatrixSpec, Paper, Taxonomy
from generator.records.fields import axis_values, facet_value, values
from generator.render.charts import STRENGTH_STEPS
from generator.render.context import RenderContext
from generator.render.page_set import PageSet
from generator.render.tables import PAPERS_CSV, papers_csv, search_link

MATRIX_PAGE = "matrix/index.md"
HEAT_LEVELS = STRENGTH_STEPS  # shades of a cell with papers, as the topics page's chart has them


@dataclass(frozen=True)
class Header:
    label: str
    link: str  # a topic page, relative to the site's root, or ""
    param: tuple[str, str]  # the search page's parameter that selects it
    total: int


@dataclass(frozen=True)
class Cell:
    count: int
    level: int  # 0 (a gap) to HEAT_LEVELS
    link: str  # the search page's query string listing the cell's papers ("" for a gap)
    label: str  # what the cell is, for screen readers


@dataclass(frozen=True)
class Matrix:
    spec: MatrixSpec
    row_title: str
    column_title: str
    columns: tuple[Header, ...]
    rows: tuple[tuple[Header, tuple[Cell, ...]], ...]
    gaps: int


def _axis(
    taxonomy: Taxonomy, axis: MatrixAxis, papers: Sequence[Paper]
) -> tuple[str, list[tuple[str, str, tuple[str, str]]], dict[str, set[str]]]:
    """The axis's title, its values as (label, link, search parameter), and the papers (ids) of
    each value, by label."""
    if axis.kind == "group":
        group = taxonomy.groups[axis.id]
        tags = [t for t in taxonomy.tags.values() if t.group == axis.id]
        members: dict[str, set[str]] = {t.label: set() for t in tags}
        by_tag = {t.id: t.label for t in tags}
        for paper in papers:
            for tag in paper.tags:
                if tag in by_tag:
                    members[by_tag[tag]].add(paper.id)
        return group.label, [(t.label, f"topics/{t.id}/", ("tag", t.id)) for t in tags], members
    spec = next(s for s in taxonomy.fields if s.id == axis.id)
    names = axis_values(spec, papers)
    members = {name: set() for name in names}
    for paper in papers:
        for value in values(spec, paper):
            members.setdefault(facet_value(spec, value), set()).add(paper.id)
    return spec.label, [(name, "", (f"f.{spec.id}", name)) for name in names], members


def _level(count: int, most: int) -> int:
    return 0 if count == 0 else max(1, math.ceil(HEAT_LEVELS * count / most))


def build_matrix(taxonomy: Taxonomy, spec: MatrixSpec, papers: Sequence[Paper]) -> Matrix:
    row_title, row_values, row_members = _axis(taxonomy, spec.rows, papers)
    column_title, column_values, column_members = _axis(taxonomy, spec.columns, papers)
    counts = [[len(row_members[r[0]] & column_members[c[0]]) for c in column_values] for r in row_values]
    most = max((n for row in counts for n in row), default=0) or 1
    rows = []
    gaps = 0
    for (label, link, param), row in zip(row_values, counts, strict=True):
        cells = []
        for (column, _, column_param), count in zip(column_values, row, strict=True):
            gaps += count == 0
            what = f"{label} and {column}: {count} paper{'' if count == 1 else 's'}"
            query = search_link([param, column_param]) if count else ""
            cells.append(Cell(count, _level(count, most), query, what))
        rows.append((Header(label, link, param, len(row_members[label])), tuple(cells)))
    columns = tuple(
        Header(label, link, param, len(column_members[label])) for label, link, param in column_values
    )
    return Matrix(spec, row_title, column_title, columns, tuple(rows), gaps)


def add_evidence(context: RenderContext, pages: PageSet) -> None:
    """papers.csv, and the matrix page when the review declares matrices."""
    taxonomy = context.review.taxonomy
    if not taxonomy.fields:
        return
    pages.add(PAPERS_CSV, papers_csv(context.review.papers, taxonomy.fields))
    if not taxonomy.matrices:
        return
    matrices = [build_matrix(taxonomy, spec, context.review.papers) for spec in taxonomy.matrices]
    try:
        template = context.env.get_template("matrix.md.j2")
    except jinja2.TemplateNotFound:
        # A review's templates are its own copies, made before matrices existed.
        raise LitreviewError(
            f"content/fields.yaml declares matrices, but {context.templates_dir}/pages/matrix.md.j2 is "
            "missing: copy templates/pages/matrix.md.j2 and _comparison_table.md.j2 from litreview"
        ) from None
    text = template.render(
        matrices=matrices, paper_count=len(context.review.papers), levels=HEAT_LEVELS
    )
    pages.add(MATRIX_PAGE, text)
