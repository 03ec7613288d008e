"""The review's extraction fields (content/fields.yaml, beside the taxonomy): what every paper may
record of the same facts (base model, method, sample size...), the comparison tables' columns and
the evidence-gap matrices; and the checks of the values paper records give under `fields:`.

A record's values are read as YAML gives them (records/store.py keeps them in Paper.fields); they
are checked here against the declarations, every problem with its file and line, so an edit of
fields.yaml never makes the review's records be parsed again. What a value shows as (on a page,
in a CSV cell, as a search facet) is made here too, the one place that knows the types.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import ProblemLog
from generator.model import FIELD_TYPES, FieldSpec, MatrixAxis, MatrixSpec, Paper, TagGroup
from generator.records.yamlio import read_yaml_mapping

FIELDS_FILE = "fields.yaml"
MAX_FIELDS_BYTES = 1024 * 1024
FIELD_ID = re.compile(r"^[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*$")
MATRIX_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_KEYS = ("fields", "table", "matrices")
FIELD_KEYS = ("label", "type", "description", "unit", "choices", "shown")
MATRIX_KEYS = ("label", "description", "rows", "columns")
# Types a matrix can cross: each paper has a few values of them, from a short list.
AXIS_TYPES = ("choice", "choices", "boolean", "year")
MAX_CHOICES = 500
MAX_TEXT_CHARS = 2000

Lines = Mapping[tuple[str | int, ...], int]


@dataclass(frozen=True)
class Declared:
    """What fields.yaml declares (empty when the review has no fields.yaml)."""

    fields: tuple[FieldSpec, ...] = ()
    table: tuple[str, ...] = ()
    matrices: tuple[MatrixSpec, ...] = ()


def _closest(name: str, names: Iterable[str]) -> str:
    found = difflib.get_close_matches(str(name).casefold(), [n.casefold() for n in names], n=1, cutoff=0.6)
    if not found:
        return ""
    original = next(n for n in names if n.casefold() == found[0])
    return f" (did you mean `{original}`?)"


@dataclass(frozen=True)
class _File:
    path: Path
    lines: Lines
    log: ProblemLog

    def error(self, key: tuple[str | int, ...], message: str) -> None:
        line = self.lines.get(key)
        while line is None and len(key) > 1:
            key = key[:-1]
            line = self.lines.get(key)
        self.log.error(self.path, line, message)


def _read(path: Path, log: ProblemLog) -> tuple[dict[str, Any], Lines] | None:
    if not path.is_file():
        return None
    if path.stat().st_size > MAX_FIELDS_BYTES:
        log.error(path, None, f"the file is over {MAX_FIELDS_BYTES // 1024} KB; it should be a few KB")
        return None
    return read_yaml_mapping(path, log, "the keys 'fields', 'table' and 'matrices'")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _choices(at: _File, fid: str, spec: dict[str, Any]) -> tuple[str, ...]:
    where = ("fields", fid, "choices")
    raw = spec.get("choices")
    if spec.get("type") not in ("choice", "choices"):
        if raw is not None:
            at.error(where, f"field {fid!r}: only a choice or choices field has choices")
        return ()
    if not isinstance(raw, list) or not raw or not all(_text(c) or _number(c) for c in raw):
        at.error(where, f"field {fid!r}: choices must be a list of the values a paper may have")
        return ()
    if len(raw) > MAX_CHOICES:
        at.error(where, f"field {fid!r}: {len(raw)} choices; at most {MAX_CHOICES}")
        return ()
    choices = [str(c).strip() for c in raw]
    for i, choice in enumerate(choices):
        if choice in choices[:i]:
            at.error((*where, i), f"field {fid!r}: the choice {choice!r} is listed twice")
    return tuple(dict.fromkeys(choices))


def _field(at: _File, fid: Any, spec: Any) -> FieldSpec | None:
    where = ("fields", fid)
    if not isinstance(fid, str) or not FIELD_ID.match(fid):
        at.error(where, f"field id {fid!r} must start with a lowercase letter, then letters, digits, _ or -")
        return None
    if not isinstance(spec, dict):
        at.error(where, f"field {fid!r} must be a mapping (label, type, ...)")
        return None
    for name in spec:
        if name not in FIELD_KEYS:
            at.error(
                (*where, name), f"unknown key {name!r} in field {fid!r}{_closest(str(name), FIELD_KEYS)}"
            )
    kind = spec.get("type")
    if kind not in FIELD_TYPES:
        hint = _closest(str(kind), FIELD_TYPES) if isinstance(kind, str) else ""
        at.error(
            (*where, "type"),
            f"field {fid!r}: type must be one of {', '.join(FIELD_TYPES)}, got {kind!r}{hint}",
        )
        return None
    if not _text(spec.get("label")):
        at.error(where, f"field {fid!r} needs a label (text)")
    for key in ("description", "unit"):
        if spec.get(key) is not None and not isinstance(spec.get(key), str):
            at.error((*where, key), f"field {fid!r}: {key} must be text")
    if spec.get("unit") is not None and kind != "number":
        at.error((*where, "unit"), f"field {fid!r}: only a number has a unit")
    shown = spec.get("shown", True)
    if not isinstance(shown, bool):
        at.error((*where, "shown"), f"field {fid!r}: shown must be true or false")
        shown = True
    return FieldSpec(
        id=fid,
        label=str(spec.get("label") or fid).strip(),
        type=kind,
        description=str(spec.get("description") or "").strip(),
        unit=str(spec.get("unit") or "").strip() if kind == "number" else "",
        choices=_choices(at, fid, spec),
        shown=shown,
    )


def _table(at: _File, raw: Any, fields: Mapping[str, FieldSpec]) -> tuple[str, ...]:
    if raw is None:
        return tuple(fields)
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        at.error(("table",), "table must be a list of field ids: the comparison tables' columns")
        return tuple(fields)
    columns = []
    for i, column in enumerate(raw):
        if column not in fields:
            at.error(("table", i), f"table: {column!r} is not a declared field{_closest(column, fields)}")
        elif column not in columns:
            columns.append(column)
    return tuple(columns)


def _axis(
    at: _File,
    where: tuple[str | int, ...],
    raw: Any,
    fields: Mapping[str, FieldSpec],
    groups: Mapping[str, TagGroup],
) -> MatrixAxis | None:
    mid, side = where[1], where[2]
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("group", "field"):
        at.error(where, f"matrix {mid!r}: {side} must be {{group: <group id>}} or {{field: <field id>}}")
        return None
    kind, ident = next(iter(raw.items()))
    if kind == "group" and ident not in groups:
        at.error((*where, kind), f"matrix {mid!r}: no tag group {ident!r}{_closest(str(ident), groups)}")
        return None
    if kind == "field":
        spec = fields.get(ident) if isinstance(ident, str) else None
        if spec is None:
            at.error((*where, kind), f"matrix {mid!r}: no field {ident!r}{_closest(str(ident), fields)}")
            return None
        if spec.type not in AXIS_TYPES:
            at.error(
                (*where, kind),
                f"matrix {mid!r}: field {ident!r} is a {spec.type}; a matrix crosses fields of type "
                + ", ".join(AXIS_TYPES),
            )
            return None
    return MatrixAxis(kind, str(ident))


def _matrices(
    at: _File, raw: Any, fields: Mapping[str, FieldSpec], groups: Mapping[str, TagGroup]
) -> tuple[MatrixSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        at.error(("matrices",), "matrices must be a mapping of matrix ids to {label, rows, columns}")
        return ()
    found = []
    for mid, spec in raw.items():
        where = ("matrices", mid)
        if not isinstance(mid, str) or not MATRIX_ID.match(mid):
            at.error(where, f"matrix id {mid!r} must be lowercase letters, digits and hyphens")
            continue
        if not isinstance(spec, dict):
            at.error(where, f"matrix {mid!r} must be a mapping (label, rows, columns)")
            continue
        for name in spec:
            if name not in MATRIX_KEYS:
                at.error(
                    (*where, name),
                    f"unknown key {name!r} in matrix {mid!r}{_closest(str(name), MATRIX_KEYS)}",
                )
        if not _text(spec.get("label")):
            at.error(where, f"matrix {mid!r} needs a label (text)")
        rows = _axis(at, (*where, "rows"), spec.get("rows"), fields, groups)
        columns = _axis(at, (*where, "columns"), spec.get("columns"), fields, groups)
        if rows is not None and columns is not None:
            label = str(spec.get("label") or mid).strip()
            description = str(spec.get("description") or "").strip()
            found.append(MatrixSpec(mid, label, rows, columns, description))
    return tuple(found)


def load_fields(path: Path, log: ProblemLog, groups: Mapping[str, TagGroup]) -> Declared:
    """Read and check fields.yaml (none: no fields); every problem goes to `log` with its line."""
    read = _read(path, log)
    if read is None:
        return Declared()
    data, lines = read
    at = _File(path, lines, log)
    for key in data:
        if key not in TOP_KEYS:
            at.error(
                (key,), f"unknown key {key!r} (expected {', '.join(TOP_KEYS)}){_closest(str(key), TOP_KEYS)}"
            )
    section = data.get("fields") or {}
    if not isinstance(section, dict):
        at.error(("fields",), "'fields' must be a mapping of field ids to {label, type, ...}")
        section = {}
    fields: dict[str, FieldSpec] = {}
    for fid, spec in section.items():
        made = _field(at, fid, spec)
        if made is not None:
            fields[made.id] = made
    table = _table(at, data.get("table"), fields)
    matrices = _matrices(at, data.get("matrices"), fields, groups)
    return Declared(tuple(fields.values()), table, matrices)


# The values of records: checked against the declarations, then shown.


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _looks_numeric(value: str) -> bool:
    try:
        float(value.replace(",", ""))
    except ValueError:
        return False
    return True


def _choice_problem(spec: FieldSpec, value: Any) -> str | None:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return f"{spec.id}: a choice must be one of: {', '.join(spec.choices)}; got {value!r}"
    text = str(value).strip()
    if text in spec.choices:
        return None
    same = [c for c in spec.choices if c.casefold() == text.casefold()]
    hint = f" (did you mean `{same[0]}`?)" if same else _closest(text, spec.choices)
    return (
        f"{spec.id}: {text!r} is not one of its choices{hint}; add it under choices in "
        f"content/fields.yaml, or pick one of: {', '.join(spec.choices)}"
    )


def _number_problem(spec: FieldSpec, value: Any) -> str | None:
    if _number(value):
        return None
    unit = f" in {spec.unit}" if spec.unit else ""
    if isinstance(value, str) and spec.unit and spec.unit.casefold() in value.casefold():
        return (
            f"{spec.id}: write the number alone ({spec.unit} is the field's unit, in "
            f"content/fields.yaml); got {value!r}"
        )
    if isinstance(value, str) and _looks_numeric(value):
        return f"{spec.id}: write the number without quotes or thousands separators, got {value!r}"
    return f"{spec.id}: must be a number{unit}, got {value!r}"


def _problem(spec: FieldSpec, value: Any) -> str | None:
    """What is wrong with one value of a field (one item of a choices list), if anything."""
    kind = spec.type
    if kind in ("choice", "choices"):
        return _choice_problem(spec, value)
    if kind == "number":
        return _number_problem(spec, value)
    if kind in ("integer", "year"):
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{spec.id}: must be a whole number, got {value!r}"
        if kind == "year" and not 1000 <= value <= 2999:
            return f"{spec.id}: must be a year such as 2024, got {value!r}"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{spec.id}: must be true or false, got {value!r}"
    if kind == "url":
        ok = isinstance(value, str) and re.match(r"https?://[^\s/]+\S*$", value.strip())
        return (
            None
            if ok
            else f"{spec.id}: must be a web address starting with https:// or http://, got {value!r}"
        )
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        return f"{spec.id}: must be text, got {value!r}"
    if len(str(value)) > MAX_TEXT_CHARS:
        return f"{spec.id}: {len(str(value)):,} characters; at most {MAX_TEXT_CHARS:,}"
    return None


def check_values(paper: Paper, fields: Sequence[FieldSpec], error: Any) -> None:
    """Report every value of `paper` that its field's declaration refuses: `error(key, message)`
    with the key path of the value in the record (for its line)."""
    declared = {spec.id: spec for spec in fields}
    for name, value in paper.fields:
        spec = declared.get(name)
        if spec is None:
            where = f"{_closest(name, declared)}" if declared else ""
            fix = (
                "declare it in content/fields.yaml or fix the name"
                if declared
                else ("declare the review's fields in content/fields.yaml first")
            )
            error(("fields", name), f"fields: {name!r} is not a declared field{where}; {fix}")
            continue
        items = value if isinstance(value, tuple) else (value,)
        if isinstance(value, tuple) and spec.type != "choices":
            error(("fields", name), f"{name}: one value, not a list ({spec.type} field)")
            continue
        for i, item in enumerate(items):
            problem = _problem(spec, item)
            if problem is not None:
                error(("fields", name, i) if isinstance(value, tuple) else ("fields", name), problem)
        if isinstance(value, tuple) and len(set(map(str, items))) < len(items):
            error(("fields", name), f"{name}: a value is listed twice")


def check_records(records: Iterable[Any], fields: Sequence[FieldSpec], log: ProblemLog) -> None:
    """check_values of every record (records.store.PaperFile) whose paper gives values."""
    for record in records:
        if not record.paper.fields:
            continue

        def error(key: tuple[str | int, ...], message: str, record: Any = record) -> None:
            line = record.lines.get(key)
            if line is None and len(key) > 2:
                line = record.lines.get(key[:2])
            log.error(record.path, line if line is not None else record.lines.get(("fields",)), message)

        check_values(record.paper, fields, error)


def values(spec: FieldSpec, paper: Paper) -> tuple[Any, ...]:
    """The paper's values of a field (a choices field may have several; none when not given),
    as typed values: text, numbers, booleans."""
    raw = paper.value_of(spec.id)
    if raw is None:
        return ()
    items = raw if isinstance(raw, tuple) else (raw,)
    if spec.type in ("choice", "choices", "text", "url"):
        return tuple(str(item).strip() for item in items)
    return tuple(items)


def number_text(value: Any) -> str:
    """A number as people write it: 7, 0.5, 1.3 (no trailing .0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def value_text(spec: FieldSpec, value: Any) -> str:
    """One value as a page or a CSV cell shows it."""
    if spec.type == "boolean":
        return "yes" if value else "no"
    if spec.type == "number":
        return number_text(value)
    return str(value)


def shown_text(spec: FieldSpec, paper: Paper) -> str:
    """All of a paper's values of a field as one text ("" when none); with the unit of a number."""
    found = values(spec, paper)
    text = "; ".join(value_text(spec, v) for v in found)
    if text and spec.unit:
        text += f" {spec.unit}"
    return text


def sort_value(spec: FieldSpec, paper: Paper) -> str:
    """What a table sorts a cell by: numbers as numbers, others as their text."""
    found = values(spec, paper)
    if not found:
        return ""
    if spec.type in ("number", "integer", "year"):
        return number_text(found[0])
    return "; ".join(value_text(spec, v) for v in found)


def field_label(spec: FieldSpec) -> str:
    return f"{spec.label} ({spec.unit})" if spec.unit else spec.label


def extracted(
    fields: Sequence[FieldSpec], paper: Paper
) -> tuple[tuple[str, str, str, str, tuple[str, ...]], ...]:
    """What a paper page shows of the paper's values: (field id, label, description, shown text,
    the values a search facet filters by) for each field shown on pages that it has a value of."""
    rows = []
    for spec in fields:
        if not spec.shown:
            continue
        text = shown_text(spec, paper)
        if text:
            facet = tuple(facet_value(spec, v) for v in values(spec, paper)) if is_facet(spec) else ()
            rows.append((spec.id, spec.label, spec.description, text, facet))
    return tuple(rows)


def is_facet(spec: FieldSpec) -> bool:
    """Whether the search page filters by the field: by its values (choice, choices, boolean) or
    by a range (number, integer, year). Text and addresses are not facets."""
    return spec.type in ("choice", "choices", "boolean", "number", "integer", "year")


def is_range(spec: FieldSpec) -> bool:
    return spec.type in ("number", "integer", "year")


def facet_value(spec: FieldSpec, value: Any) -> str:
    """A value as the search page's URL names it: the choice, yes/no, the number."""
    return value_text(spec, value)


def axis_values(spec: FieldSpec, papers: Iterable[Paper]) -> list[str]:
    """The values a field takes as a matrix's rows or columns: the declared choices, yes and no,
    or the years the papers have, in order."""
    if spec.type in ("choice", "choices"):
        return list(spec.choices)
    if spec.type == "boolean":
        return ["yes", "no"]
    return sorted({facet_value(spec, v) for p in papers for v in values(spec, p)}, key=float)


def fill_rates(fields: Sequence[FieldSpec], papers: Sequence[Paper]) -> list[tuple[FieldSpec, int]]:
    """How many papers give a value of each field."""
    return [(spec, sum(1 for p in papers if p.value_of(spec.id) is not None)) for spec in fields]


def paper_year(paper: Paper) -> int | None:
    """The paper's year: its date's, else its bibliographic year."""
    if paper.date is not None and paper.date.year is not None:
        return paper.date.year
    return paper.meta.year
