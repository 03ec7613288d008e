"""`litreview check` says what to fix, at the line to fix (issue #18): an unquoted colon in a
value, tags run together on one line, a mis-indented line, a misspelt tag or group."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ProblemLog
from generator.project import Project
from generator.records.taxonomy import closest_name, did_you_mean, load_taxonomy
from generator.records.yamlio import YamlSyntaxError, load_with_lines
from tests.conftest import copy_review

PAPER = "cuttlefish-low-rank-model-training-without-all-the-tuning"
INDENT_ADVICE = (
    "keys of one mapping must start in the same column, and each list item goes on its own line "
    'starting with "- ", indented like the first'
)


def check(project: Project) -> list[str]:
    result = CliRunner().invoke(cli, ["check", "-C", str(project.root)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return [line for line in result.output.splitlines() if ": error: " in line]


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


@pytest.fixture
def review(tmp_path: Path) -> Project:
    return copy_review(tmp_path / "review")


def test_an_unquoted_colon_in_a_title_says_to_quote_it_and_shows_the_line(review: Project) -> None:
    edit(
        review.papers_dir / f"{PAPER}.yaml",
        "title: 'Cuttlefish: Low-Rank Model Training without All the Tuning'",
        "title: LoRA: Low-Rank Adaptation of Large Language Models",
    )
    assert check(review) == [
        f"content/papers/{PAPER}.yaml:4: error: YAML syntax error: the value of 'title' contains "
        '": ", so it must be quoted; write the line as: '
        'title: "LoRA: Low-Rank Adaptation of Large Language Models"'
    ]


def test_a_value_with_double_quotes_is_fixed_with_single_ones() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        load_with_lines('id: x\ntitle: The "LoRA: Low-Rank" trick\n')
    assert caught.value.line == 2
    assert caught.value.message.endswith("""write the line as: title: 'The "LoRA: Low-Rank" trick'""")


def test_tags_run_together_say_to_put_each_on_its_own_line(review: Project) -> None:
    edit(
        review.papers_dir / f"{PAPER}.yaml", "tags:\n- peft-low-rank\n", "tags:\n- peft-low-rank\n  - rlhf\n"
    )
    assert check(review) == [
        f"content/papers/{PAPER}.yaml:6: error: unknown tag 'peft-low-rank - rlhf': the tags "
        "'peft-low-rank' and 'rlhf' run together into one item; put each tag on its own line "
        'starting with "- ", indented like the first'
    ]


def test_a_tag_item_indented_less_than_the_first_is_reported_at_its_line(review: Project) -> None:
    edit(
        review.papers_dir / f"{PAPER}.yaml", "tags:\n- peft-low-rank\n", "tags:\n  - peft-low-rank\n - rlhf\n"
    )
    assert check(review) == [
        f"content/papers/{PAPER}.yaml:7: error: YAML syntax error: line 7 is not indented like the "
        f"lines around it: {INDENT_ADVICE} (did not find expected key)"
    ]


@pytest.mark.parametrize("shift", [" ", "  ", "-1", "-2"])
def test_a_bad_indent_at_line_44_of_the_taxonomy_is_reported_at_line_44(review: Project, shift: str) -> None:
    lines = review.tags_file.read_text(encoding="utf-8").split("\n")
    assert lines[43] == "    label: Domains and applications"
    lines[43] = lines[43][-int(shift) :] if shift.startswith("-") else shift + lines[43]
    review.tags_file.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = check(review)
    assert problem.startswith("content/tags.yaml:44: error: YAML syntax error: line 44 is not indented")
    assert INDENT_ADVICE in problem and "noticed on line 45" in problem


@pytest.mark.parametrize(
    ("line", "indented", "reported"),
    [
        (49, "     label: RLHF, preference alignment and reward models", 49),  # a block's first line
        (51, "   group: alignment", 51),  # a middle line, less
        (51, "     group: alignment", 51),  # a middle line, more: read as the line above's value
        (52, "  aliases: [RLHF, reinforcement learning from human feedback, preference optimization]", 52),
    ],
)
def test_a_mis_indented_line_is_reported_at_that_line(
    review: Project, line: int, indented: str, reported: int
) -> None:
    lines = review.tags_file.read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].strip() == indented.strip()
    lines[line - 1] = indented
    review.tags_file.write_text("\n".join(lines), encoding="utf-8")
    (problem,) = check(review)
    assert problem.startswith(f"content/tags.yaml:{reported}: error: YAML syntax error: line {reported} ")


def test_an_unclosed_quote_is_reported_where_it_starts() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        load_with_lines("id: syntax\ntitle: 'unclosed\ntags: []\n")
    assert caught.value.line == 2 and "quoted scalar that starts here" in caught.value.message


def test_a_misspelt_tag_gets_the_closest_tag(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "r")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    project = Project.at(tmp_path / "r")
    (project.papers_dir / "a-paper.yaml").write_text(
        "id: a-paper\ntitle: A paper\ntags:\n- transformer\n- helthcare\n- zzz\nabstract: An abstract.\n",
        encoding="utf-8",
    )
    assert check(project) == [
        "content/papers/a-paper.yaml:4: error: unknown tag 'transformer': did you mean `transformers`? "
        "If not, add it to content/tags.yaml or fix the spelling",
        "content/papers/a-paper.yaml:5: error: unknown tag 'helthcare': did you mean `healthcare`? "
        "If not, add it to content/tags.yaml or fix the spelling",
        "content/papers/a-paper.yaml:6: error: unknown tag 'zzz': add it to content/tags.yaml "
        "or fix the spelling",
    ]


def test_a_misspelt_group_or_key_in_the_taxonomy_gets_the_closest(review: Project) -> None:
    text = edit(
        review.tags_file,
        "    group: alignment\n    aliases: [RLHF,",
        "    group: alignmnet\n    alias: [RLHF,",
    )
    (review.tags_file).write_text(text.replace("  rl-reasoning:\n", "  rl-reasoning:\n    lable: x\n", 1))
    log = ProblemLog(review.root)
    load_taxonomy(review.tags_file, log)
    messages = sorted(p.message for p in log.errors)
    assert messages == [
        "tag 'rlhf' names the group 'alignmnet', which is not defined under 'groups' "
        "(did you mean `alignment`?)",
        "unknown key 'alias' in tag 'rlhf' (did you mean `aliases`?)",
        "unknown key 'lable' in tag 'rl-reasoning' (did you mean `label`?)",
    ]


def test_a_group_written_as_its_label_gets_its_id(review: Project) -> None:
    edit(
        review.tags_file,
        "    group: alignment\n    aliases: [RLHF,",
        "    group: Efficient models\n    aliases: [RLHF,",
    )
    log = ProblemLog(review.root)
    load_taxonomy(review.tags_file, log)
    assert [p.message for p in log.errors] == [
        "tag 'rlhf' names the group 'Efficient models', which is not defined under 'groups' "
        "(did you mean `efficiency`?)"
    ]


def test_closest_name_compares_ids_and_labels_without_case() -> None:
    names = {"transformers": "transformers", "Reinforcement learning": "reinforcement-learning"}
    assert closest_name("Transformer", names) == "transformers"
    assert closest_name("reinforcement learnin", names) == "reinforcement-learning"
    assert closest_name("cooking", names) is None
    assert did_you_mean("transformer", ["transformers"]) == " (did you mean `transformers`?)"
    assert did_you_mean("x", ["transformers"]) == ""
