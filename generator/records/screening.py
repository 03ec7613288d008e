"""A systematic review's screening: content/review.yaml, the decisions in the records, and the
PRISMA 2020 flow computed from them.

content/review.yaml says what the records cannot: which database or register each source file
came from and when it was searched, and the reasons a record may be excluded for:

    title: Psychological factors in inflammatory bowel disease
    sources:
      sources/embase.ris: {database: Embase, searched: 2023-02-01}
      sources/trials.ris: {register: ClinicalTrials.gov, searched: 2023-02-02}
    reasons:
      wrong-population:
        label: Not about people with inflammatory bowel disease
        description: Animal or cell studies, or another disease.
        stage: title-abstract      # optional: the stage it is used at unless a record says
      automation:
        label: Marked as ineligible by automation tools
        stage: identification      # removed before screening
        automation: true

A review without the file is not systematic: nothing here applies to it. The decisions are in
the paper records (records/exclusions.py): no status means included.

The flow's counts all come from the records. Records identified from a database are the
source entries (file:line) of the records in that database's files; duplicates removed are
entries beyond the first of each record (de-duplication merged them into one record); the
records removed before screening, excluded at each stage and included are counted by status.
The counts are then checked against each other, so that a gap (a record with no source in a
listed file, a source file not listed) fails the build with its name.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import ProblemLog
from generator.model import Flow, FlowBox, FlowRecord, Paper
from generator.records.exclusions import (
    AWAITING,
    AWAITING_FULL_TEXT,
    AWAITING_SCREENING,
    STAGES,
    STATUS_EXCLUDED,
    STATUS_INCLUDED,
)
from generator.records.slugs import PAPER_ID_PATTERN
from generator.records.yamlio import read_yaml_mapping, update_in_place

REVIEW_FILE = "review.yaml"  # under content/
REVIEW_KEYS = ("title", "sources", "reasons")
SOURCE_KEYS = ("database", "register", "searched", "note")
REASON_KEYS = ("label", "description", "stage", "automation")
DEFAULT_STAGE = "title-abstract"
# Stages whose exclusions PRISMA reports with a reason each.
REASON_REQUIRED = ("identification", "full-text")


@dataclass(frozen=True)
class SourceFile:
    """A source file as content/review.yaml labels it."""

    file: str  # as the records' sources name it: sources/<name>
    name: str  # the database's or register's name
    kind: str  # "database" or "register"
    searched: str | None = None  # the day of the search


@dataclass(frozen=True)
class Reason:
    id: str
    label: str
    description: str = ""
    stage: str | None = None
    automation: bool = False


@dataclass(frozen=True)
class Protocol:
    """What content/review.yaml declares."""

    path: Path
    title: str
    sources: dict[str, SourceFile]
    reasons: dict[str, Reason]
    lines: dict[tuple[str | int, ...], int]


def review_file(content_dir: Path) -> Path:
    return content_dir / REVIEW_FILE


def _day(value: Any) -> str | None:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return None


def _source_file(
    file: str, entry: Any, problem: Callable[[tuple[str | int, ...], str], None]
) -> SourceFile | None:
    where = ("sources", file)
    if not isinstance(entry, dict):
        problem(
            where, f"sources: {file}: expected a mapping such as {{database: Embase, searched: 2024-05-07}}"
        )
        return None
    for key in entry:
        if key not in SOURCE_KEYS:
            problem(
                (*where, key), f"sources: {file}: unknown key {key!r} (expected {', '.join(SOURCE_KEYS)})"
            )
    kinds = [k for k in ("database", "register") if k in entry]
    if len(kinds) != 1 or not isinstance(entry[kinds[0]], str) or not entry[kinds[0]].strip():
        problem(
            where,
            f"sources: {file}: give the name of its database (database: ...) or register (register: ...)",
        )
        return None
    searched = entry.get("searched")
    if searched is not None and _day(searched) is None:
        problem(
            (*where, "searched"),
            f"sources: {file}: searched must be a day such as 2024-05-07, got {searched!r}",
        )
    name = file.removeprefix("content/")
    return SourceFile(name, " ".join(entry[kinds[0]].split()), kinds[0], _day(searched))


def _reason(
    reason_id: str, entry: Any, problem: Callable[[tuple[str | int, ...], str], None]
) -> Reason | None:
    where = ("reasons", reason_id)
    if not PAPER_ID_PATTERN.match(reason_id):
        problem(where, f"reasons: {reason_id!r}: an id is lowercase letters, digits and hyphens")
        return None
    if isinstance(entry, str):
        entry = {"label": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("label"), str) or not entry["label"].strip():
        problem(where, f"reasons: {reason_id}: needs a label (the text the flow diagram shows)")
        return None
    for key in entry:
        if key not in REASON_KEYS:
            problem(
                (*where, key),
                f"reasons: {reason_id}: unknown key {key!r} (expected {', '.join(REASON_KEYS)})",
            )
    stage = entry.get("stage")
    if stage is not None and stage not in STAGES:
        problem(
            (*where, "stage"),
            f"reasons: {reason_id}: stage must be one of: {', '.join(STAGES)}, got {stage!r}",
        )
        stage = None
    description = entry.get("description")
    return Reason(
        reason_id,
        " ".join(entry["label"].split()),
        description.strip() if isinstance(description, str) else "",
        stage,
        entry.get("automation") is True,
    )


_Problem = Callable[[tuple[str | int, ...], str], None]


def _sources_of(data: dict[str, Any], problem: _Problem) -> dict[str, SourceFile]:
    sources: dict[str, SourceFile] = {}
    raw_sources = data.get("sources") or {}
    if not isinstance(raw_sources, dict):
        problem(("sources",), "sources must map each source file (sources/<name>) to its database")
        return sources
    for file, entry in raw_sources.items():
        source = _source_file(str(file), entry, problem)
        if source is not None:
            sources[source.file] = source
    return sources


def _reasons_of(data: dict[str, Any], problem: _Problem) -> dict[str, Reason]:
    reasons: dict[str, Reason] = {}
    raw_reasons = data.get("reasons") or {}
    if not isinstance(raw_reasons, dict):
        problem(("reasons",), "reasons must map each reason's id to its label, description and stage")
        return reasons
    for reason_id, entry in raw_reasons.items():
        reason = _reason(str(reason_id), entry, problem)
        if reason is not None:
            reasons[reason.id] = reason
    return reasons


def load_protocol(content_dir: Path, log: ProblemLog) -> Protocol | None:
    """content/review.yaml, validated (problems to `log`); None if the review has none."""
    path = review_file(content_dir)
    if not path.is_file():
        return None
    read = read_yaml_mapping(path, log, "title, sources and reasons")
    if read is None:
        return None
    data, lines = read

    def problem(key: tuple[str | int, ...], message: str) -> None:
        log.error(path, lines.get(key, lines.get(key[:2], lines.get(key[:1], 1))), message)

    for key in data:
        if key not in REVIEW_KEYS:
            problem((key,), f"unknown key {key!r} (expected one of: {', '.join(REVIEW_KEYS)})")
    sources, reasons = _sources_of(data, problem), _reasons_of(data, problem)
    title = data.get("title")
    return Protocol(path, title.strip() if isinstance(title, str) else "", sources, reasons, lines)


# --- the decisions in the records ------------------------------------------------------------


def stage_of(paper: Paper, protocol: Protocol) -> str | None:
    """The stage an excluded record left the flow at: its own, else its reason's, else
    title and abstract screening; None for a record that is not excluded."""
    screening = paper.screening
    if screening is None or screening.status != STATUS_EXCLUDED:
        return None
    if screening.stage:
        return screening.stage
    reason = protocol.reasons.get(screening.reason or "")
    return reason.stage if reason is not None and reason.stage else DEFAULT_STAGE


class _RecordLike:
    paper: Paper
    path: Path
    lines: Any


def check_decisions(records: Iterable[Any], protocol: Protocol, log: ProblemLog) -> None:
    """Each excluded record's reason must be declared, and given where PRISMA reports one."""
    for record in records:
        screening = record.paper.screening
        if screening is None or screening.status != STATUS_EXCLUDED:
            continue
        stage = stage_of(record.paper, protocol)
        reason = screening.reason
        line = record.lines.get(("excluded", "reason")) or record.lines.get(("status",))
        if reason is None:
            if stage in REASON_REQUIRED:
                log.error(
                    record.path,
                    record.lines.get(("excluded",)) or record.lines.get(("status",)),
                    f"excluded at {stage} without a reason: PRISMA reports one for each record; "
                    f"add reason: with one of the ids under reasons: in content/{REVIEW_FILE}",
                )
            continue
        if reason not in protocol.reasons:
            from generator.records.taxonomy import closest_name

            closest = closest_name(reason, set(protocol.reasons))
            fix = f"did you mean `{closest}`? If not, declare it" if closest else "declare it"
            log.error(
                record.path,
                line,
                f"excluded for {reason!r}, a reason that is not declared: {fix} under reasons: "
                f"in content/{REVIEW_FILE} (an id, a label, a description)",
            )


# --- the flow --------------------------------------------------------------------------------


def _flow_record(paper: Paper, protocol: Protocol, source: str | None = None) -> FlowRecord:
    screening = paper.screening
    reason_id = screening.reason if screening is not None else None
    reason = protocol.reasons.get(reason_id or "")
    names = tuple(
        protocol.sources[ref.file].name if ref.file in protocol.sources else ref.file for ref in paper.sources
    )
    return FlowRecord(
        id=paper.id,
        title=paper.title,
        included=screening is None,
        year=paper.meta.year or (paper.date.year if paper.date else None),
        reason=reason.label if reason is not None else reason_id,
        sources=names,
        date=screening.date if screening is not None else None,
        source=source,
        stage=stage_of(paper, protocol) or (screening.status if screening is not None else STATUS_INCLUDED),
    )


def _status(paper: Paper, protocol: Protocol) -> str:
    """included, awaiting-..., or excluded:<stage> (excluded:automation: removed before
    screening by an automation tool)."""
    screening = paper.screening
    if screening is None:
        return STATUS_INCLUDED
    if screening.status in AWAITING:
        return screening.status
    stage = stage_of(paper, protocol)
    if stage == "identification" and _reason_of(paper, protocol).automation:
        return f"{STATUS_EXCLUDED}:automation"
    return f"{STATUS_EXCLUDED}:{stage}"


def _by_reason(
    papers: Sequence[Paper], protocol: Protocol, prefix: str, records: dict[str, FlowRecord]
) -> tuple[FlowBox, ...]:
    """One part per reason (declared order, then undeclared, then none), each with its records."""
    groups: dict[str | None, list[FlowRecord]] = {}
    for paper in papers:
        reason = paper.screening.reason if paper.screening else None
        groups.setdefault(reason, []).append(records[paper.id])
    order = [r for r in protocol.reasons if r in groups] + sorted(
        r for r in groups if r is not None and r not in protocol.reasons
    )
    if None in groups:
        order.append(None)  # type: ignore[arg-type]
    parts = []
    for reason_id in order:
        reason = protocol.reasons.get(reason_id or "")
        label = reason.label if reason else (reason_id or "No reason given")
        parts.append(
            FlowBox(
                f"{prefix}-{reason_id or 'none'}", label, len(groups[reason_id]), tuple(groups[reason_id])
            )
        )
    return tuple(parts)


def _identification(papers: Sequence[Paper], protocol: Protocol) -> tuple[dict[str, FlowBox], list[str]]:
    """The identification boxes (databases, registers, duplicates) and the gaps found."""
    entries: dict[str, list[FlowRecord]] = {"database": [], "register": []}
    by_source: dict[tuple[str, str], list[FlowRecord]] = {}
    duplicates: list[FlowRecord] = []
    unlisted: dict[str, int] = {}
    for paper in papers:
        listed = [ref for ref in paper.sources if ref.file in protocol.sources]
        for ref in paper.sources:
            if ref.file not in protocol.sources:
                unlisted[ref.file] = unlisted.get(ref.file, 0) + 1
        for i, ref in enumerate(listed):
            source = protocol.sources[ref.file]
            entry = _flow_record(paper, protocol, f"{ref.file}:{ref.line}")
            entries[source.kind].append(entry)
            by_source.setdefault((source.kind, source.name), []).append(entry)
            if i:
                duplicates.append(entry)
    gaps = [
        f"content/{file} has {n} source entr{'y' if n == 1 else 'ies'} of records but is not listed under "
        f"sources: in content/{REVIEW_FILE}; add it with its database (or register) and search date"
        for file, n in sorted(unlisted.items())
    ]
    boxes: dict[str, FlowBox] = {}
    for kind, data in (("database", "database_results"), ("register", "register_results")):
        searched = {s.name: s.searched for s in protocol.sources.values() if s.kind == kind}
        parts = tuple(
            FlowBox(
                f"{data}-{_slug(name)}",
                name + (f" (searched {searched[name]})" if searched.get(name) else ""),
                len(by_source.get((kind, name), [])),
                tuple(by_source.get((kind, name), [])),
            )
            for name in dict.fromkeys(s.name for s in protocol.sources.values() if s.kind == kind)
        )
        boxes[data] = FlowBox(data, f"{kind.capitalize()}s", len(entries[kind]), tuple(entries[kind]), parts)
    boxes["duplicates"] = FlowBox(
        "duplicates", "Duplicate records removed", len(duplicates), tuple(duplicates)
    )
    return boxes, gaps


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "source"


def _box(
    box_id: str, label: str, papers: Sequence[Paper], records: dict[str, FlowRecord], **kw: Any
) -> FlowBox:
    return FlowBox(box_id, label, len(papers), tuple(records[p.id] for p in papers), **kw)


_SOUGHT = ("included", AWAITING_FULL_TEXT, "excluded:retrieval", "excluded:full-text")
_SCREENED = (*_SOUGHT, AWAITING_SCREENING, "excluded:title-abstract")
_AUTOMATION = ("excluded:automation",)
# The boxes after identification: (PRISMA2020 data name, label, the statuses of its records,
# whether it lists its records by reason). _status gives each record's status.
FLOW_BOXES = (
    ("excluded_automatic", "Records marked as ineligible by automation tools", _AUTOMATION, True),
    ("excluded_other", "Records removed for other reasons", ("excluded:identification",), True),
    ("records_screened", "Records screened", _SCREENED, False),
    ("awaiting_screening", "Records awaiting screening", (AWAITING_SCREENING,), False),
    ("records_excluded", "Records excluded", ("excluded:title-abstract",), True),
    ("dbr_sought_reports", "Reports sought for retrieval", _SOUGHT, False),
    ("dbr_notretrieved_reports", "Reports not retrieved", ("excluded:retrieval",), True),
    ("dbr_assessed", "Reports assessed for eligibility", (*_SOUGHT[:2], "excluded:full-text"), False),
    ("awaiting_full_text", "Reports awaiting assessment", (AWAITING_FULL_TEXT,), False),
    ("dbr_excluded", "Reports excluded", ("excluded:full-text",), True),
    ("new_studies", "Studies included in review", ("included",), False),
)


def flow_of(papers: Sequence[Paper], protocol: Protocol, log: ProblemLog) -> Flow:
    """The PRISMA 2020 flow of every record (`papers`: included, excluded and awaiting ones),
    with its counts checked: a count that does not add up is an error naming the gap."""
    papers = sorted(papers, key=lambda p: p.id)
    records = {p.id: _flow_record(p, protocol) for p in papers}
    status = {p.id: _status(p, protocol) for p in papers}

    boxes, gaps = _identification(papers, protocol)
    for box_id, label, states, by_reason in FLOW_BOXES:
        members = [p for p in papers if status[p.id] in states]
        parts = _by_reason(members, protocol, box_id, records) if by_reason else ()
        boxes[box_id] = _box(box_id, label, members, records, parts=parts)
    flow = Flow(
        boxes=boxes,
        title=protocol.title,
        excluded=tuple(records[p.id] for p in papers if status[p.id] != STATUS_INCLUDED),
    )
    for gap in gaps + flow_gaps(flow, papers):
        log.error(protocol.path, None, gap)
    return flow


def _reason_of(paper: Paper, protocol: Protocol) -> Reason:
    reason_id = paper.screening.reason if paper.screening else None
    return protocol.reasons.get(reason_id or "") or Reason(reason_id or "", reason_id or "")


def flow_gaps(flow: Flow, papers: Sequence[Paper] = ()) -> list[str]:
    """Each equation of the flow that does not hold, as a message naming the gap."""
    n = {box_id: box.count for box_id, box in flow.boxes.items()}
    gaps: list[str] = []
    identified = n["database_results"] + n["register_results"]
    removed = n["duplicates"] + n["excluded_automatic"] + n["excluded_other"]
    if identified - removed != n["records_screened"]:
        sourced = {r.id for key in ("database_results", "register_results") for r in flow.boxes[key].records}
        unsourced = [p.id for p in papers if p.id not in sourced]
        why = (
            f": {len(unsourced)} record{'s have' if len(unsourced) != 1 else ' has'} no source in a file "
            f"listed under sources: in content/{REVIEW_FILE} ({', '.join(unsourced[:10])}"
            f"{', ...' if len(unsourced) > 10 else ''})"
            if unsourced
            else ""
        )
        gaps.append(
            f"the PRISMA counts do not add up: records identified ({identified}) - duplicates removed "
            f"({n['duplicates']}) - removed before screening "
            f"({n['excluded_automatic'] + n['excluded_other']}) "
            f"= {identified - removed}, but {n['records_screened']} records were screened{why}"
        )
    equations = (
        (
            "records screened",
            "records_screened",
            ("records_excluded", "awaiting_screening"),
            "dbr_sought_reports",
        ),
        ("reports sought", "dbr_sought_reports", ("dbr_notretrieved_reports",), "dbr_assessed"),
        ("reports assessed", "dbr_assessed", ("dbr_excluded", "awaiting_full_text"), "new_studies"),
    )
    for name, start, minus, result in equations:
        left = n[start] - sum(n[m] for m in minus)
        if left != n[result]:
            terms = " - ".join(f"{flow.boxes[m].label.lower()} ({n[m]})" for m in minus)
            gaps.append(
                f"the PRISMA counts do not add up: {name} ({n[start]}) - {terms} = {left}, "
                f"but the next box ({flow.boxes[result].label.lower()}) has {n[result]}"
            )
    for box in flow.boxes.values():
        if box.parts and sum(p.count for p in box.parts) != box.count:
            gaps.append(
                f"the PRISMA counts do not add up: the lines of {box.label.lower()} add up to "
                f"{sum(p.count for p in box.parts)}, but the box has {box.count}"
            )
    return gaps


# --- writing decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A screening decision to write into a record: status included, excluded (at stage, for
    reason) or awaiting-screening / awaiting-full-text."""

    status: str
    stage: str | None = None
    reason: str | None = None
    date: str | None = None

    def describe(self) -> str:
        if self.status != STATUS_EXCLUDED:
            return self.status
        return f"excluded at {self.stage}" + (f" ({self.reason})" if self.reason else "")


def set_decision(path: Path, decision: Decision) -> bool:
    """Write `decision` into the record at `path`, in place (comments and key order kept);
    False if the record says so already. Included is written as no screening fields at all."""

    def change(data: Any) -> bool:
        before = (
            data.get("status"),
            dict(data.get("excluded") or {}) if isinstance(data.get("excluded"), dict) else None,
        )
        data.pop("excluded", None)
        data.pop("status", None)
        if decision.status != STATUS_INCLUDED:
            keys = list(data)
            after = max((keys.index(k) for k in ("id", "title", "title_derived") if k in data), default=-1)
            data.insert(after + 1, "status", decision.status)
            if decision.status == STATUS_EXCLUDED:
                details = type(data)()  # a round-trip mapping, written in block style
                for key in ("stage", "reason", "date"):
                    value = getattr(decision, key)
                    if value is not None:
                        details[key] = value
                data.insert(after + 2, "excluded", details)
        after_change = (
            data.get("status"),
            dict(data.get("excluded") or {}) if isinstance(data.get("excluded"), dict) else None,
        )
        return before != after_change

    return update_in_place(path, change)


def resolved(decision: Decision, protocol: Protocol | None) -> Decision:
    """The decision with its stage filled in as a record without one would be read."""
    if decision.status != STATUS_EXCLUDED or decision.stage:
        return decision
    reason = protocol.reasons.get(decision.reason or "") if protocol else None
    stage = reason.stage if reason is not None and reason.stage else DEFAULT_STAGE
    return Decision(decision.status, stage, decision.reason, decision.date)


def decision_problem(decision: Decision, protocol: Protocol | None) -> str | None:
    """Why the decision cannot be written, if it cannot."""
    if decision.status not in (STATUS_INCLUDED, STATUS_EXCLUDED, *AWAITING):
        return f"unknown decision {decision.status!r} (include, exclude, {', '.join(AWAITING)})"
    if decision.status != STATUS_EXCLUDED:
        return None
    if decision.stage is not None and decision.stage not in STAGES:
        return f"unknown stage {decision.stage!r} (one of: {', '.join(STAGES)})"
    if protocol is not None and decision.reason is not None and decision.reason not in protocol.reasons:
        known = ", ".join(protocol.reasons) or "none yet"
        return f"the reason {decision.reason!r} is not declared in content/{REVIEW_FILE} (declared: {known})"
    if (
        protocol is not None
        and decision.reason is None
        and resolved(decision, protocol).stage in REASON_REQUIRED
    ):
        return f"an exclusion at {resolved(decision, protocol).stage} needs a reason (--reason)"
    return None


# --- choosing records: by tag, by a text query, from an ASReview export or a CSV -------------


def query_terms(query: str) -> list[str]:
    """The terms of a query: its words, and "quoted phrases" kept whole; lowercased."""
    import shlex

    try:
        terms = shlex.split(query)
    except ValueError:
        terms = query.split()
    return [t.casefold() for t in terms if t.strip()]


def matches_query(paper: Paper, terms: Sequence[str]) -> bool:
    """Whether every term is in the paper's title or abstract (ignoring case; a term matches
    inside a word too: `child` matches "children")."""
    text = f"{paper.title}\n{paper.abstract}".casefold()
    return bool(terms) and all(term in text for term in terms)


def _normal_title(title: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", title.casefold())


def _normal_doi(doi: str) -> str:
    doi = doi.strip().casefold()
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi)


@dataclass(frozen=True)
class Label:
    """One record of an ASReview export and its label: 1 relevant, 0 irrelevant, None not seen."""

    title: str
    doi: str
    label: int | None
    line: int


LABEL_COLUMNS = ("included", "label_included", "asreview_label", "final_included")
RIS_LABELS = {"asreview_relevant": 1, "asreview_irrelevant": 0, "asreview_not_seen": None}


def _label_value(value: str) -> int | None:
    value = value.strip()
    if value in ("1", "1.0", "True", "true"):
        return 1
    if value in ("0", "0.0", "False", "false"):
        return 0
    return None


def _csv_labels(text: str) -> list[Label]:
    import csv

    reader = csv.DictReader(text.splitlines())
    fields = {name.strip().casefold(): name for name in reader.fieldnames or []}
    column = next((fields[c] for c in LABEL_COLUMNS if c in fields), None)
    if column is None:
        raise ValueError("no label column: an ASReview export has one named " + ", ".join(LABEL_COLUMNS[:3]))
    title = fields.get("title") or fields.get("primary_title")
    doi = fields.get("doi")
    labels = []
    for number, row in enumerate(reader, start=2):
        labels.append(
            Label(
                (row.get(title) or "") if title else "",
                (row.get(doi) or "") if doi else "",
                _label_value(row.get(column) or ""),
                number,
            )
        )
    return labels


def _ris_labels(text: str) -> list[Label]:
    labels: list[Label] = []
    fields: dict[str, list[str]] = {}
    start = 1
    for number, raw in enumerate(text.splitlines(), start=1):
        match = re.match(r"^\ufeff?([A-Z][A-Z0-9])  -( (.*))?$", raw.rstrip())
        if not match:
            continue
        tag, value = match.group(1), (match.group(3) or "").strip()
        if tag == "TY":
            fields, start = {}, number
        if tag == "ER":
            notes = " ".join(fields.get("N1", [])).casefold()
            found = re.findall(r"asreview_(?:relevant|irrelevant|not_seen)", notes)
            label = RIS_LABELS[found[-1]] if found else None
            title = (fields.get("TI") or fields.get("T1") or [""])[0]
            labels.append(Label(title, (fields.get("DO") or [""])[0], label, start))
            fields = {}
            continue
        fields.setdefault(tag, []).append(value)
    return labels


def read_asreview(path: Path) -> list[Label]:
    """The records and labels of an ASReview export: CSV (its `included` or `asreview_label`
    column: 1, 0 or empty) or RIS (N1 notes ASReview_relevant, ASReview_irrelevant,
    ASReview_not_seen). Raises ValueError when the file has no labels."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if re.search(r"^\ufeff?TY  -", text, flags=re.MULTILINE):
        labels = _ris_labels(text)
        if not any("asreview_" in line.casefold() for line in text.splitlines() if line.startswith("N1")):
            raise ValueError("no ASReview labels: its RIS export has N1 notes such as ASReview_relevant")
        return labels
    return _csv_labels(text)


def match_labels(
    labels: Sequence[Label], papers: Sequence[Paper]
) -> tuple[dict[str, int | None], list[Label]]:
    """Each paper's label (by id), matched by DOI, else by title (letters and digits, ignoring
    case); and the labels that match no paper."""
    by_doi = {_normal_doi(p.meta.doi): p.id for p in papers if p.meta.doi}
    by_title: dict[str, str] = {}
    for paper in papers:
        by_title.setdefault(_normal_title(paper.title), paper.id)
    found: dict[str, int | None] = {}
    unmatched: list[Label] = []
    for label in labels:
        paper_id = by_doi.get(_normal_doi(label.doi)) if label.doi.strip() else None
        paper_id = paper_id or by_title.get(_normal_title(label.title)) if label.title.strip() else paper_id
        if paper_id is None:
            unmatched.append(label)
        else:
            found[paper_id] = label.label
    return found, unmatched


DECISION_WORDS = {
    "include": STATUS_INCLUDED,
    "included": STATUS_INCLUDED,
    "exclude": STATUS_EXCLUDED,
    "excluded": STATUS_EXCLUDED,
    AWAITING_SCREENING: AWAITING_SCREENING,
    AWAITING_FULL_TEXT: AWAITING_FULL_TEXT,
}


def read_decisions_csv(path: Path, on: str) -> tuple[dict[str, Decision], list[str]]:
    """Decisions from a CSV with the columns id, decision (include, exclude,
    awaiting-screening, awaiting-full-text), and optionally stage, reason and date; and the
    problems found (a line each)."""
    import csv

    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(text.splitlines())
    columns = {name.strip().casefold(): name for name in reader.fieldnames or []}
    problems: list[str] = []
    if "id" not in columns or "decision" not in columns:
        return {}, [
            f"{path.name}: the first line must name the columns id and decision (and stage, reason, date)"
        ]
    decisions: dict[str, Decision] = {}

    def cell(row: dict[str, str], name: str) -> str | None:
        value = (row.get(columns[name]) or "").strip() if name in columns else ""
        return value or None

    for number, row in enumerate(reader, start=2):
        paper_id, word = cell(row, "id"), (cell(row, "decision") or "").casefold()
        if paper_id is None:
            problems.append(f"{path.name}:{number}: no id")
            continue
        status = DECISION_WORDS.get(word)
        if status is None:
            problems.append(
                f"{path.name}:{number}: decision {word!r} is not one of include, exclude, "
                f"{AWAITING_SCREENING}, {AWAITING_FULL_TEXT}"
            )
            continue
        excluded = status == STATUS_EXCLUDED
        day = cell(row, "date") or on
        if paper_id in decisions:
            problems.append(f"{path.name}:{number}: {paper_id} has a decision on an earlier line already")
        decisions[paper_id] = Decision(
            status,
            cell(row, "stage") if excluded else None,
            cell(row, "reason") if excluded else None,
            day if excluded else None,
        )
    return decisions, problems
