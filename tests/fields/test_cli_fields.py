"""`litreview fields`: the declared fields with their fill rates; `check` with bad values."""

from __future__ import annotations

from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project


def test_fields_lists_each_field_with_its_fill_rate(review: Project) -> None:
    result = CliRunner().invoke(cli, ["fields", "-C", str(review.root)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["field", "type", "filled", "share", "label"]
    models = next(line for line in lines if line.startswith("models "))
    assert models.split()[:4] == ["models", "choices", "52", "25%"]
    assert lines[-1] == "3 fields; 112 papers of 212 give a value"


def test_fields_without_a_declaration_says_where_to_declare(review: Project) -> None:
    (review.content_dir / "fields.yaml").unlink()
    for record in review.papers_dir.glob("*.yaml"):
        if "\nfields:\n" in record.read_text(encoding="utf-8"):
            record.unlink()  # its values would need the declaration
    for source in review.sources_dir.iterdir():
        source.write_text("", encoding="utf-8")  # or import would bring them back
    result = CliRunner().invoke(cli, ["fields", "-C", str(review.root)])
    assert result.exit_code == 0, result.output
    assert "no fields declared" in result.output


def test_check_reports_a_bad_value_with_its_file_and_line(review: Project) -> None:
    record = review.papers_dir / "2-olmo-2-furious.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("methods: [instruction tuning]", "methods: [instruction-tuning]"), "utf-8")
    line = 1 + next(i for i, t in enumerate(record.read_text("utf-8").splitlines()) if "methods:" in t)
    result = CliRunner().invoke(cli, ["check", "-C", str(review.root)])
    assert result.exit_code == 1
    assert (
        f"content/papers/2-olmo-2-furious.yaml:{line}: error: methods: 'instruction-tuning' is not one of"
        in (result.output)
    )
    assert "did you mean `instruction tuning`?" in result.output
