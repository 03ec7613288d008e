"""`litreview screen`: decisions set by id, tag, query, ASReview export and CSV, written into the
records with their comments kept."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project

CBT = "psychological-outcomes-of-a-cognitive-behavioral-therapy-for"
YUZU = "yuzu-citrus-junos-tanaka-peel-attenuates-dextran-sulfate"
INTERMED = "the-pediatric-inflammatory-bowel-disease-intermed-a-new"


def run(project: Project, *args: str) -> str:
    result = CliRunner().invoke(cli, ["screen", *args, "-C", str(project.root)])
    assert result.exit_code == 0, result.output
    return result.output


def fails(project: Project, *args: str) -> str:
    result = CliRunner().invoke(cli, ["screen", *args, "-C", str(project.root)])
    assert result.exit_code != 0
    return result.output


def record(project: Project, paper_id: str) -> dict[str, object]:
    return yaml.safe_load((project.papers_dir / f"{paper_id}.yaml").read_text(encoding="utf-8"))


def status(project: Project, paper_id: str) -> tuple[object, object, object]:
    data = record(project, paper_id)
    excluded = data.get("excluded") or {}
    assert isinstance(excluded, dict)
    return data.get("status"), excluded.get("stage"), excluded.get("reason")


def test_by_id_keeps_comments_and_checks_the_reason(example: Project) -> None:
    path = example.papers_dir / f"{CBT}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("tags:", "# read twice\ntags:", 1), encoding="utf-8"
    )
    run(example, "exclude", CBT, "--reason", "not-primary-research")
    assert status(example, CBT) == ("excluded", "full-text", "not-primary-research")  # the reason's stage
    assert "# read twice\n" in path.read_text(encoding="utf-8")
    assert "not declared" in fails(example, "exclude", CBT, "--reason", "no-such-reason")
    assert "needs a reason" in fails(example, "exclude", CBT, "--stage", "full-text")
    assert "no paper with the id" in fails(example, "include", "no-such-paper")
    run(example, "include", CBT)
    assert status(example, CBT) == (None, None, None)  # included: no screening fields at all


def test_by_tag(example: Project) -> None:
    tagged = [
        p.stem
        for p in example.papers_dir.glob("*.yaml")
        if "children" in (record(example, p.stem).get("tags") or [])
    ]
    assert len(tagged) > 2
    run(example, "await", "--tag", "children", "--stage", "full-text")
    assert {status(example, i)[0] for i in tagged} == {"awaiting-full-text"}


def test_by_query_matches_every_word_in_title_or_abstract(example: Project) -> None:
    out = run(example, "exclude", "--query", 'murine "colitis"', "--reason", "animal-study", "--dry-run")
    assert f"would set {YUZU}" in out
    assert status(example, YUZU) == ("excluded", "title-abstract", "animal-study")  # as it was: dry run
    run(example, "include", "--query", "murine colitis")
    assert status(example, YUZU) == (None, None, None)
    assert status(example, CBT) == (None, None, None)  # no "murine" in it


def _asreview_csv(example: Project, tmp_path: Path) -> Path:
    """An export as ASReview LAB writes it: the input's columns, then its label column."""
    rows = ["record_id,title,abstract,doi,included"]
    titles = {CBT: 1, YUZU: 0, INTERMED: ""}
    for n, (paper_id, label) in enumerate(titles.items()):
        title = str(record(example, paper_id)["title"]).replace('"', '""')
        rows.append(f'{n},"{title}",,,{label}')
    rows.append('9,"A paper that is not in the review",,,1')
    path = tmp_path / "asreview_result.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_asreview_csv_labels(example: Project, tmp_path: Path) -> None:
    out = run(
        example,
        "asreview",
        str(_asreview_csv(example, tmp_path)),
        "--reason",
        "not-ibd",
        "--unseen",
        "awaiting-screening",
    )
    assert status(example, CBT)[0] == "awaiting-full-text"  # relevant: on to the full text
    assert status(example, YUZU) == ("excluded", "title-abstract", "not-ibd")
    assert status(example, INTERMED)[0] == "awaiting-screening"  # not seen yet
    assert "1 record of the export match no paper" in out


def test_asreview_ris_labels_matched_by_doi(example: Project, tmp_path: Path) -> None:
    doi = record(example, CBT)["doi"]
    ris = (
        f"TY  - JOUR\nTI  - A title ASReview's RIS writer changed\nDO  - https://doi.org/{doi}\n"
        "N1  - ASReview_irrelevant\nER  - \n\n"
        f"TY  - JOUR\nTI  - {record(example, YUZU)['title']}\nN1  - ASReview_relevant\nER  - \n"
    )
    path = tmp_path / "asreview_result.ris"
    path.write_text(ris, encoding="utf-8")
    run(example, "asreview", str(path), "--relevant", "included")
    assert status(example, CBT) == ("excluded", "title-abstract", None)
    assert status(example, YUZU) == (None, None, None)
    plain = tmp_path / "plain.ris"
    plain.write_text("TY  - JOUR\nTI  - x\nER  - \n", encoding="utf-8")
    assert "no ASReview labels" in fails(example, "asreview", str(plain))


def test_csv_of_decisions(example: Project, tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_text(
        "id,decision,stage,reason,date\n"
        f"{CBT},exclude,full-text,no-psychological-outcome,2024-05-01\n"
        f"{YUZU},awaiting-screening,,,\n",
        encoding="utf-8",
    )
    run(example, "csv", str(path))
    assert record(example, CBT)["excluded"] == {
        "stage": "full-text",
        "reason": "no-psychological-outcome",
        "date": "2024-05-01",
    }
    assert status(example, YUZU)[0] == "awaiting-screening"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"id,decision\n{CBT},maybe\nno-such-paper,include\n", encoding="utf-8")
    out = fails(example, "csv", str(bad))
    assert "'maybe' is not one of" in out and "no-such-paper" in out
    assert status(example, CBT)[0] == "excluded"  # nothing written


def test_the_example_decisions_file_reproduces_the_records(example: Project) -> None:
    """decisions.csv wrote the example's records: applying it again changes nothing."""
    out = run(example, "csv", str(example.root / "decisions.csv"))
    assert "0 records changed, 46 already so" in out


def test_flow_prints_the_counts(example: Project) -> None:
    out = run(example, "flow")
    assert "Records screened: 39" in out and "Studies included in review: 6" in out


def test_check_reports_contradictions(example: Project) -> None:
    path = example.papers_dir / f"{YUZU}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("reason: animal-study", "reason: animals"), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["check", "-C", str(example.root)])
    assert result.exit_code == 1
    assert "excluded for 'animals', a reason that is not declared" in result.output
