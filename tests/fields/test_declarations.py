"""content/fields.yaml: what a review declares, and every problem in it with its line."""

from __future__ import annotations

from pathlib import Path

from generator.errors import ProblemLog
from generator.model import TagGroup
from generator.records.fields import load_fields
from generator.records.taxonomy import load_taxonomy

GROUPS = {"alignment": TagGroup("alignment", "Alignment", "")}

GOOD = """\
fields:
  model:
    label: Base model family
    type: choice
    choices: [Llama, Qwen, GPT]
    description: The model the paper fine-tunes.
  size:
    label: Parameters
    type: number
    unit: B
  samples:
    label: Sample size
    type: integer
    shown: false
  published:
    label: Year of the dataset
    type: year
  methods:
    label: Methods
    type: choices
    choices: [SFT, DPO]
  open:
    label: Open weights
    type: boolean
  notes_url:
    label: Notes
    type: url
  dataset:
    label: Dataset
    type: text
table: [model, size, methods]
matrices:
  by-model:
    label: Methods by model
    rows: {field: methods}
    columns: {field: model}
  by-topic:
    label: Topics by model
    rows: {group: alignment}
    columns: {field: model}
"""


def load(tmp_path: Path, text: str) -> tuple[object, list[str]]:
    path = tmp_path / "fields.yaml"
    path.write_text(text, encoding="utf-8")
    log = ProblemLog(tmp_path)
    declared = load_fields(path, log, GROUPS)
    return declared, [str(p) for p in log.problems]


def test_every_type_and_option_is_read(tmp_path: Path) -> None:
    declared, problems = load(tmp_path, GOOD)
    assert problems == []
    by_id = {f.id: f for f in declared.fields}
    assert [f.type for f in declared.fields] == [
        "choice",
        "number",
        "integer",
        "year",
        "choices",
        "boolean",
        "url",
        "text",
    ]
    assert by_id["model"].choices == ("Llama", "Qwen", "GPT")
    assert by_id["model"].description == "The model the paper fine-tunes."
    assert by_id["size"].unit == "B"
    assert by_id["samples"].shown is False
    assert declared.table == ("model", "size", "methods")
    assert [(m.id, m.rows.kind, m.rows.id, m.columns.id) for m in declared.matrices] == [
        ("by-model", "field", "methods", "model"),
        ("by-topic", "group", "alignment", "model"),
    ]


def test_no_file_declares_nothing(tmp_path: Path) -> None:
    log = ProblemLog(tmp_path)
    declared = load_fields(tmp_path / "fields.yaml", log, GROUPS)
    assert (declared.fields, declared.table, declared.matrices, log.problems) == ((), (), (), [])


def test_the_table_defaults_to_every_field(tmp_path: Path) -> None:
    declared, problems = load(
        tmp_path, "fields:\n  a:\n    label: A\n    type: text\n  b:\n    label: B\n    type: year\n"
    )
    assert problems == []
    assert declared.table == ("a", "b")


def test_each_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    text = """\
fields:
  model:
    label: Model
    type: chioce
  size:
    label: Size
    type: number
    units: B
  kind:
    label: Kind
    type: choice
  flag:
    label: Flag
    type: boolean
    unit: x
  Bad Id:
    label: Bad
    type: text
table: [size, modle]
matrices:
  m:
    label: M
    rows: {group: alinment}
    columns: {field: size}
extra: 1
"""
    _, problems = load(tmp_path, text)
    assert any(
        p.startswith("fields.yaml:4:") and "chioce" in p and "did you mean `choice`" in p for p in problems
    )
    assert any(
        p.startswith("fields.yaml:8:") and "unknown key 'units'" in p and "`unit`" in p for p in problems
    )
    assert any(p.startswith("fields.yaml:9:") and "choices must be a list" in p for p in problems)
    assert any(p.startswith("fields.yaml:15:") and "only a number has a unit" in p for p in problems)
    assert any(p.startswith("fields.yaml:16:") and "'Bad Id'" in p for p in problems)
    assert any(p.startswith("fields.yaml:19:") and "'modle' is not a declared field" in p for p in problems)
    assert any(
        p.startswith("fields.yaml:23:") and "no tag group 'alinment'" in p and "`alignment`" in p
        for p in problems
    )
    assert any(p.startswith("fields.yaml:24:") and "is a number; a matrix crosses" in p for p in problems)
    assert any(p.startswith("fields.yaml:25:") and "unknown key 'extra'" in p for p in problems)


def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "fields:\n  a:\n    label: [unclosed\n")
    assert problems and problems[0].startswith("fields.yaml:3:")


def test_the_taxonomy_carries_the_fields_declared_beside_it(tmp_path: Path) -> None:
    (tmp_path / "tags.yaml").write_text(
        "groups:\n  alignment:\n    label: Alignment\n"
        "tags:\n  rlhf:\n    label: RLHF\n    group: alignment\n",
        encoding="utf-8",
    )
    (tmp_path / "fields.yaml").write_text(GOOD, encoding="utf-8")
    log = ProblemLog(tmp_path)
    taxonomy = load_taxonomy(tmp_path / "tags.yaml", log)
    assert log.problems == []
    assert [f.id for f in taxonomy.fields][:2] == ["model", "size"]
    assert taxonomy.matrices[1].rows.id == "alignment"
