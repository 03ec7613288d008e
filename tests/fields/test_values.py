"""The values paper records give under `fields:`, checked against content/fields.yaml by
`litreview check` (every problem with its file and line), and what pages make of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import ProblemLog
from generator.project import Project
from generator.records.fields import shown_text
from generator.records.review import load_review
from tests.fields.test_declarations import GOOD

TAGS = "groups:\n  alignment:\n    label: Alignment\ntags:\n  rlhf:\n    label: RLHF\n    group: alignment\n"


def review_with(tmp_path: Path, values: str, fields: str = GOOD) -> tuple[object, list[str]]:
    root = tmp_path / "review"
    (root / "content" / "papers").mkdir(parents=True)
    (root / "content" / "tags.yaml").write_text(TAGS, encoding="utf-8")
    (root / "content" / "fields.yaml").write_text(fields, encoding="utf-8")
    record = "id: one\ntitle: One paper\ntags:\n- rlhf\nfields:\n" + values + "abstract: An abstract.\n"
    (root / "content" / "papers" / "one.yaml").write_text(record, encoding="utf-8")
    project = Project.at(root)
    log = ProblemLog(project.root)
    review = load_review(project, log)
    return review, [str(p) for p in log.problems]


def test_good_values_of_every_type_pass_and_show(tmp_path: Path) -> None:
    values = (
        "  model: Llama\n  size: 7.0\n  samples: 1200\n  published: 2023\n  methods: [SFT, DPO]\n"
        "  open: true\n  notes_url: https://example.org/notes\n  dataset: Anthropic HH\n"
    )
    review, problems = review_with(tmp_path, values)
    assert problems == []
    paper = review.papers[0]
    shown = {spec.id: shown_text(spec, paper) for spec in review.taxonomy.fields}
    assert shown == {
        "model": "Llama",
        "size": "7 B",
        "samples": "1200",
        "published": "2023",
        "methods": "SFT; DPO",
        "open": "yes",
        "notes_url": "https://example.org/notes",
        "dataset": "Anthropic HH",
    }


@pytest.mark.parametrize(
    ("values", "line", "message"),
    [
        ("  model: llama\n", 6, "'llama' is not one of its choices (did you mean `Llama`?)"),
        ("  model: Mistral\n", 6, "'Mistral' is not one of its choices"),
        ("  size: 7B\n", 6, "write the number alone (B is the field's unit"),
        ("  size: '7'\n", 6, "without quotes"),
        ("  samples: 12.5\n", 6, "samples: must be a whole number"),
        ("  published: 23\n", 6, "must be a year such as 2024"),
        ("  methods:\n  - SFT\n  - PPO\n", 8, "'PPO' is not one of its choices"),
        ("  methods: [SFT, SFT]\n", 6, "a value is listed twice"),
        ("  model: [Llama, Qwen]\n", 6, "one value, not a list"),
        ("  open: 'yes'\n", 6, "must be true or false"),
        ("  notes_url: javascript:alert(1)\n", 6, "must be a web address"),
        ("  modle: Llama\n", 6, "'modle' is not a declared field (did you mean `model`?)"),
        ("  dataset: {name: HH}\n", 6, "must be a value or a list of values"),
    ],
)
def test_a_bad_value_is_an_error_at_its_line(tmp_path: Path, values: str, line: int, message: str) -> None:
    _, problems = review_with(tmp_path, values)
    assert any(p.startswith(f"content/papers/one.yaml:{line}: error:") and message in p for p in problems), (
        problems
    )


def test_values_without_any_declared_field_say_to_declare_them(tmp_path: Path) -> None:
    _, problems = review_with(tmp_path, "  model: Llama\n", fields="")
    assert any("declare the review's fields in content/fields.yaml first" in p for p in problems)


def test_an_empty_value_is_no_value(tmp_path: Path) -> None:
    review, problems = review_with(tmp_path, "  model:\n  methods: []\n")
    assert problems == []
    assert review.papers[0].fields == ()
